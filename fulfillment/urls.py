from django.urls import path

from fulfillment import views

urlpatterns = [
    path("fulfillment/", views.package_list, name="fulfillment"),
    path("returns/", views.aftersale_list, name="returns"),
]
