from django.urls import path

from fulfillment import returns_views, views

urlpatterns = [
    path("fulfillment/", views.package_list, name="fulfillment"),
    path("returns/", returns_views.inbox, name="returns"),
    path("returns/bulk/", returns_views.bulk_decide, name="returns-bulk"),
    path("returns/<str:family>/<int:pk>/", returns_views.request_detail, name="returns-detail"),
    path("orders/<int:pk>/cancel/", returns_views.seller_cancel, name="order-cancel"),
]
