from django.urls import path

from catalog import change_views, views

urlpatterns = [
    path("", views.product_list, name="products"),
    path("export.csv", views.product_export, name="products-export"),
    path("<int:pk>/", views.product_detail, name="product-detail"),
    path("<int:pk>/skus/<int:sku_pk>/edit", views.sku_edit, name="sku-edit"),
    path("changes/", change_views.change_list, name="changes"),
    path("changes/export.csv", change_views.change_export, name="change-export"),
    path("changes/import", change_views.change_import, name="change-import"),
    path("changes/new", change_views.change_new, name="change-new"),
    path("changes/<int:pk>/", change_views.change_detail, name="change-detail"),
    path("changes/<int:pk>/progress", change_views.change_progress, name="change-progress"),
    path("changes/<int:pk>/preview", change_views.change_preview_again, name="change-preview"),
    path("changes/<int:pk>/apply", change_views.change_apply, name="change-apply"),
    path("changes/<int:pk>/retry", change_views.change_retry_failed, name="change-retry"),
    path("changes/<int:pk>/revert", change_views.change_revert, name="change-revert"),
    path("changes/<int:pk>/exclude", change_views.change_rows_exclude, name="change-exclude"),
    path(
        "changes/<int:pk>/failed.csv",
        change_views.change_failures_export,
        name="change-failures",
    ),
]
