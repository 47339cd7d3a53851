from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from backoffice import views
from backoffice.auth import LoginView

admin.site.site_header = "TikTok Shop back office"
admin.site.site_title = "Back office admin"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("worker", views.worker_badge, name="worker-badge"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("shops.urls")),
    path("products/", include("catalog.urls")),
    path("orders/", include("orders.urls")),
    path("", include("fulfillment.urls")),
    path("finance/", include("finance.urls")),
    path("", include("api.urls")),
]
