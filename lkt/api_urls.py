app_name = "api-v1"

urlpatterns: list = []
