"""Test support for the whole suite, at the top of the layers (above `demo`): the test world
built from the apps' factories, the API test client, the flow that takes a case to completion,
and the shared browser fixtures (chromium, page, axe). `src/yiwang/conftest.py` registers
`yiwang.testsupport.fixtures` for every test, so app tests use `world`, `api`, `browser`, `page`,
`axe`… by name and never import this package (it imports every app)."""
