"""Docking services, one module per adapter: `systems` (部门业务系统对接), `sharing` (电子证照归集与
共享), `reporting` (数据上报). Import the module you need: `from yiwang.docking.services import
sharing`."""
