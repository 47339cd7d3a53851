# The two commands: `make run` (the demo: web + worker + sandbox) and `make test` (the whole suite).
# Both create the virtualenv, install, migrate and find PostgreSQL themselves (scripts/dev.py).
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: run test db

run:
	@$(PYTHON) scripts/dev.py run

test:
	@$(PYTHON) scripts/dev.py test $(ARGS)

# Print the DATABASE_URL the commands would use (starting the private cluster if needed).
db:
	@$(PYTHON) scripts/dev.py db
