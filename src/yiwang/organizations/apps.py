from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    verbose_name = "组织机构"
    name = "yiwang.organizations"
    label = "organizations"
