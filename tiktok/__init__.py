"""The TikTok Shop Open API (202309+) on both sides of the wire. No Django in here."""
