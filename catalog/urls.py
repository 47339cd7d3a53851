from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.product_list, name="products"),
    path("export.csv", views.product_export, name="products-export"),
    path("<int:pk>/", views.product_detail, name="product-detail"),
]
