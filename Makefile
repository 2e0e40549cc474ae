# Convenience targets; all the work is in scripts/run.sh.
.PHONY: all build demo test setup clean tsan
all: build
build demo test setup clean tsan:
	scripts/run.sh $@
