# The README's two commands:
#   make demo   set up, make synthetic data, train and test a small classifier
#   make test   set up, run the test suite
# Both start with `make install`, which is idempotent (seconds when up to date).

PY := .venv/bin/python
DEMO_ARGS ?=

.PHONY: install demo test test-reference clean-demo

install:
	@tools/install.sh

demo: install
	$(PY) tools/demo.py $(DEMO_ARGS)

test:
	@tools/install.sh --test
	$(PY) -m pytest

# the reference program on a tiny real subset (tests/tools/test_reference.py; CI runs it too)
test-reference:
	@tools/install.sh --test
	$(PY) -m pytest -m reference tests/tools/test_reference.py

clean-demo:
	rm -rf data/synthetic results/demo
