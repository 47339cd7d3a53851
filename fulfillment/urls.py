from django.urls import path

from fulfillment import returns_views, shipping_views, views

urlpatterns = [
    path("fulfillment/", views.package_list, name="fulfillment"),
    path("fulfillment/ship/", shipping_views.ship_choose, name="ship-choose"),
    path("fulfillment/ship/batch/", shipping_views.ship_batch_new, name="ship-batch-new"),
    path("fulfillment/batches/", shipping_views.ship_batch_list, name="ship-batches"),
    path(
        "fulfillment/batches/<int:batch_id>/",
        shipping_views.ship_batch_detail,
        name="ship-batch",
    ),
    path(
        "fulfillment/batches/<int:batch_id>/undo/",
        shipping_views.ship_batch_undo_view,
        name="ship-batch-undo",
    ),
    path(
        "fulfillment/batches/<int:batch_id>/documents/",
        shipping_views.batch_documents,
        name="ship-batch-documents",
    ),
    path("fulfillment/documents/", shipping_views.package_documents, name="package-documents"),
    path("fulfillment/print/<int:job_id>/", shipping_views.print_job_detail, name="print-job"),
    path(
        "fulfillment/print/<int:job_id>/download/",
        shipping_views.print_job_download,
        name="print-job-download",
    ),
    path("fulfillment/seller-shipping/", shipping_views.seller_shipping, name="seller-shipping"),
    path("returns/", returns_views.inbox, name="returns"),
    path("returns/bulk/", returns_views.bulk_decide, name="returns-bulk"),
    path("returns/bulk/reasons/", returns_views.bulk_reasons, name="returns-bulk-reasons"),
    path("returns/<str:family>/<int:pk>/", returns_views.request_detail, name="returns-detail"),
    path("orders/<int:pk>/cancel/", returns_views.seller_cancel, name="order-cancel"),
    path("orders/<int:pk>/split/", shipping_views.order_split_view, name="order-split"),
]
