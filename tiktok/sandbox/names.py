"""Word lists the generated shops, products and buyers are drawn from."""

from __future__ import annotations

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Amelia",
    "James", "Harper", "Benjamin", "Chloé", "Łukasz", "Zoë", "José", "Ingrid", "Hiroshi", "Aaliyah",
    "Priya", "Søren", "Renée", "Björn", "Camille", "Giulia", "Marek", "Nadia", "Tomás", "Grace",
    "Daniel", "Isabella", "Jack", "Layla", "Oscar", "Freya", "Leon", "Elena", "Hugo",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "García", "Müller", "Nguyen", "Brown", "Żółć", "Rossi", "Dubois",
    "Kowalski", "Martin", "Lefèvre", "O'Brien", "Novák", "Jensen", "Silva", "Tanaka", "Patel",
    "Hernández", "Schröder", "Williams", "Taylor", "Moreau", "Bianchi", "Fischer", "López",
    "Wilson", "Davies", "Evans", "Costa",
)  # fmt: skip
STREETS = (
    "Maple Ave", "Oak Street", "Sunset Blvd", "Cedar Lane", "High Street", "Station Road",
    "Hauptstraße", "Rue de la Paix", "Calle Mayor", "Via Roma", "Elm Court", "Harbour Way",
)  # fmt: skip

# region -> (currency, dialling code, [(city, state, state code, postal prefix)])
REGIONS: dict[str, tuple[str, str, list[tuple[str, str, str, str]]]] = {
    "US": (
        "USD",
        "1",
        [
            ("Los Angeles", "California", "CA", "900"),
            ("Austin", "Texas", "TX", "787"),
            ("Brooklyn", "New York", "NY", "112"),
            ("Seattle", "Washington", "WA", "981"),
            ("Miami", "Florida", "FL", "331"),
            ("Chicago", "Illinois", "IL", "606"),
        ],
    ),
    "GB": (
        "GBP",
        "44",
        [
            ("London", "England", "ENG", "SW1"),
            ("Manchester", "England", "ENG", "M1"),
            ("Edinburgh", "Scotland", "SCT", "EH1"),
        ],
    ),
    "DE": ("EUR", "49", [("Berlin", "Berlin", "BE", "101"), ("Hamburg", "Hamburg", "HH", "203")]),
    "FR": (
        "EUR",
        "33",
        [("Paris", "Île-de-France", "IDF", "750"), ("Lyon", "Rhône", "ARA", "690")],
    ),
    "ES": (
        "EUR",
        "34",
        [("Madrid", "Madrid", "MD", "280"), ("Barcelona", "Cataluña", "CT", "080")],
    ),
    "IT": ("EUR", "39", [("Roma", "Lazio", "LZ", "001"), ("Milano", "Lombardia", "LM", "201")]),
}
CROSS_BORDER_REGIONS = ("GB", "DE", "FR", "ES", "IT", "US")

SHOP_WORDS = (
    "Maple", "Nimbus", "Coral", "Juniper", "Atlas", "Willow", "Aurora", "Pebble", "Saffron",
    "Harbor",
)  # fmt: skip
SHOP_KINDS = ("Home", "Beauty", "Outdoors", "Kitchen", "Studio", "Goods", "Supply Co.", "Style")

ADJECTIVES = (
    "Cozy", "Classic", "Everyday", "Premium", "Lightweight", "Vintage", "Eco", "Compact", "Soft",
    "Rugged", "Minimalist", "Deluxe",
)  # fmt: skip
MATERIALS = (
    "Cotton", "Bamboo", "Stainless Steel", "Ceramic", "Linen", "Wool", "Silicone", "Leather",
    "Glass", "Oak",
)  # fmt: skip
NOUNS = (
    "Beanie", "Water Bottle", "Tote Bag", "Mug", "Throw Blanket", "Phone Case", "Yoga Mat",
    "Desk Lamp", "Scarf", "Cutting Board", "Candle", "Backpack", "Hoodie", "Sunglasses",
    "Plant Pot", "Notebook", "Socks", "Face Serum", "Hair Clip", "Headphones Stand",
)  # fmt: skip
COLORS = ("Black", "White", "Sage", "Coral", "Navy", "Sand", "Red")
SIZES = ("S", "M", "L", "XL")

# (id, parent id, local name, is leaf): a small three-level category tree
CATEGORIES = (
    ("600001", "0", "Home Supplies", False),
    ("600024", "600001", "Kitchenware", False),
    ("601226", "600024", "Drinkware", True),
    ("601227", "600024", "Kitchen Utensils", True),
    ("601152", "0", "Womenswear & Underwear", False),
    ("601265", "601152", "Accessories", False),
    ("601303", "601265", "Hats & Caps", True),
    ("601304", "601265", "Scarves", True),
    ("700437", "0", "Beauty & Personal Care", False),
    ("700645", "700437", "Skincare", False),
    ("700646", "700645", "Serums & Essences", True),
)
LEAF_CATEGORIES = tuple(c for c in CATEGORIES if c[3])

# carrier name -> tracking number style
CARRIERS = {
    "US": ("USPS", "UPS", "FedEx", "DHL eCommerce"),
    "GB": ("Royal Mail", "Evri", "DPD"),
    "DE": ("DHL", "Hermes", "DPD"),
    "FR": ("Colissimo", "Chronopost", "DPD"),
    "ES": ("Correos", "SEUR", "GLS"),
    "IT": ("Poste Italiane", "BRT", "GLS"),
}

CANCEL_REASONS = (
    "No longer needed",
    "Need to change shipping address",
    "Found a better price",
    "Ordered by mistake",
)
RETURN_REASONS = (
    ("ecom_order_delivered_refund_and_return_reason_wrong_size", "Wrong size"),
    ("ecom_order_delivered_refund_and_return_reason_damaged", "Item arrived damaged"),
    ("ecom_order_delivered_refund_and_return_reason_not_as_described", "Not as described"),
    ("ecom_order_delivered_refund_reason_missing_item", "Missing item"),
)
RETURN_REJECT_REASONS = (
    ("reverse_reject_request_reason_1", "Buyer has already used the item"),
    ("reverse_reject_request_reason_2", "Return window has expired"),
    ("reverse_reject_request_reason_3", "Item was not sent back as agreed"),
)
# Reasons a seller gives for cancelling an order (Get Aftersale Eligibility, request type CANCEL).
SELLER_CANCEL_REASONS = (
    "seller_cancel_reason_out_of_stock",
    "seller_cancel_reason_pricing_error",
    "seller_cancel_reason_unable_to_deliver",
    "seller_cancel_reason_buyer_request",
)
# Reasons a seller gives when refunding on its own initiative (REFUND, RETURN_AND_REFUND).
SELLER_REFUND_REASONS = (
    "seller_refund_reason_missing_item",
    "seller_refund_reason_damaged_in_transit",
    "seller_refund_reason_goodwill",
)
CANCEL_REJECT_REASONS = (
    ("seller_reject_apply_product_has_been_packed", "The product has already been packed"),
    ("seller_reject_apply_package_already_shipped", "The package has already been shipped"),
    ("seller_reject_apply_negotiated_with_buyer", "Negotiated with the buyer"),
)
