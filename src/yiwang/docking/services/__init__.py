"""Adapters to provincial and national systems, one module per adapter: `sharing` (电子证照归集与
共享), `reporting` (数据上报). Import the module you need: `from yiwang.docking.services import
sharing`."""
