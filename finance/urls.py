from django.urls import path

from finance import views

urlpatterns = [
    path("", views.statement_list, name="finance"),
    path("statements.csv", views.statement_export, name="finance-export"),
    path("statements/<int:pk>/", views.statement_detail, name="statement-detail"),
    path("payments/", views.payment_list, name="finance-payments"),
    path("payments.csv", views.payment_export, name="finance-payments-export"),
    path("withdrawals/", views.withdrawal_list, name="finance-withdrawals"),
    path("withdrawals.csv", views.withdrawal_export, name="finance-withdrawals-export"),
    path("unsettled/", views.unsettled_list, name="finance-unsettled"),
    path("unsettled.csv", views.unsettled_export, name="finance-unsettled-export"),
    path("differences/", views.difference_list, name="finance-differences"),
    path("differences.csv", views.difference_export, name="finance-differences-export"),
    path("analytics/", views.analytics_page, name="finance-analytics"),
    path("orders/<int:pk>/settlement", views.order_settlement, name="order-settlement"),
]
