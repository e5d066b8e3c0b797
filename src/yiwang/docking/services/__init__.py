"""Docking services, one module per adapter: `systems` (部门业务系统对接)."""
