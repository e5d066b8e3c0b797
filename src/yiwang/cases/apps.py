from django.apps import AppConfig


class CasesConfig(AppConfig):
    verbose_name = "办件"
    name = "yiwang.cases"
    label = "cases"

    def ready(self) -> None:
        from yiwang.exchange import hooks as exchange
        from yiwang.notifications.kinds import kinds_register
        from yiwang.organizations import hooks as organizations
        from yiwang.workdays import hooks as workdays

        from . import kinds, ledgering, selectors, services

        kinds_register(kinds.CATEGORY, kinds=kinds.KINDS)  # the applicant's case messages (category 办件进度)
        ledgering.register()  # how `yiwang ledger verify` re-derives case entries
        # Lower apps cause things to cases through their hooks (docs/architecture.md, "The layers"):
        # a department's or region's successor takes over its open cases; a calendar notice
        # recomputes open cases' due dates.
        organizations.department_succession.register("cases", services.cases_move_department)
        organizations.region_succession.register("cases", services.cases_move_region)
        workdays.due_dates_recompute.register("cases", services.cases_recompute_due_dates)
        # a department's data query for case handling is bound to a case its caller handles
        exchange.case_binding.register("cases", selectors.exchange_case_binding)
