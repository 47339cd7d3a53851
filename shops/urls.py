from django.urls import path

from shops import activity, views

urlpatterns = [
    path("shops/", views.shops_page, name="shops"),
    path("shops/connect/", views.connect_start, name="shops-connect"),
    path("shops/connect/callback", views.connect_callback, name="shops-callback"),
    path("shops/<int:shop_id>/disconnect/", views.shop_disconnect, name="shop-disconnect"),
    path("shops/<int:shop_id>/members/", views.shop_members, name="shop-members"),
    path("shops/<int:shop_id>/sync/", views.shop_sync, name="shop-sync"),
    path("shops/<int:shop_id>/sync/history/", views.shop_sync_history, name="shop-sync-history"),
    path(
        "shops/<int:shop_id>/sync/<slug:resource>/retry/",
        views.shop_sync_retry,
        name="shop-sync-retry",
    ),
    path("profile/", views.profile, name="profile"),
    path("webhooks/tiktok", views.tiktok_webhook, name="tiktok-webhook"),
    path("activity/", activity.activity, name="activity"),
    path("activity/<int:command_id>/row", activity.activity_row, name="activity-row"),
    path(
        "activity/<int:command_id>/<slug:action>",
        activity.activity_action,
        name="activity-action",
    ),
]
