from django.urls import path

from orders import views

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("export.csv", views.order_export, name="orders-export"),
    path("<int:pk>/", views.order_detail, name="order-detail"),
    path("of-product/<int:product_pk>/", views.product_orders, name="product-orders"),
]
