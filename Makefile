# needlesim — build, run, test.
#
#   make            build build/needlesim (and the library build/libneedlesim.a)
#   make run        install missing Debian packages, build, run scenarios/default.ini -> out/default.h5
#   make test       install missing Debian packages, build, run the whole test suite
#   make verify     slow convergence / verification studies (prints tables)
#   make bench      benchmarks (writes out/bench.json)
#   make deps       install (as root) or print the install line for the Debian packages
#   make asan|ubsan sanitizer builds of everything into build-asan/ or build-ubsan/ and run the tests
#   make ci         what .ci/run calls: warnings are errors, then the test suite
#   make print VAR=CFLAGS   show a make variable
#
# Modules are discovered: every sim/*.c except sim/main.c goes into the library; every
# tests/unit/test_*.c is one cmocka test program; every tests/cli/*.sh is one shell test;
# tests/verify/*.c are the make verify programs, tests/bench/*.c the make bench programs.
# Objects go to $(BUILD)/ (out of tree); header dependencies are tracked with -MMD -MP.

.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all

BUILD     ?= build
CC        ?= cc
PKG_CONFIG ?= pkg-config
PKGS      := gsl hdf5 inih
# Override with e.g. `make PKG_CFLAGS=... PKG_LIBS=...` where pkg-config is unavailable.
PKG_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   ?= $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_LIBS  ?= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
        -Wcast-qual -Wwrite-strings -Wundef -Wformat=2 -Wvla -Wnull-dereference
ifeq ($(CI),true)
WERROR := -Werror
endif
ifneq ($(WERROR_ON),)
WERROR := -Werror
endif

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
GIT_DIRTY  := $(shell test -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" && echo -dirty)
VERSION    := 0.1.0

OPT        ?= -O3 -march=x86-64-v2 -g
NS_CFLAGS  := -std=c11 -D_XOPEN_SOURCE=700 -fopenmp $(OPT) $(WARN) $(WERROR) -Iinclude -Isim -Itests/unit $(PKG_CFLAGS)
ALL_CFLAGS  = $(NS_CFLAGS) $(SAN) $(CFLAGS)
ALL_LDFLAGS = -fopenmp $(SAN) $(LDFLAGS)
LIBS        = $(PKG_LIBS) -lm

LIB_SRC   := $(filter-out sim/main.c,$(wildcard sim/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_COMMON_SRC := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))
TEST_COMMON_OBJ := $(TEST_COMMON_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
VERIFY_SRC := $(wildcard tests/verify/*.c)
VERIFY_BIN := $(VERIFY_SRC:tests/verify/%.c=$(BUILD)/verify/%)
PROG      := $(BUILD)/needlesim

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all run test verify bench deps clean ci asan ubsan print check-deps format format-check FORCE
all: $(PROG)

# Build information baked into provenance; the stamp changes only when the values change.
$(BUILD)/buildinfo.h: FORCE | $(BUILD)/.
	$(Q)printf '#define NS_GIT_COMMIT "%s"\n#define NS_VERSION "%s"\n#define NS_BUILD_CFLAGS "%s"\n' \
	  '$(GIT_COMMIT)$(GIT_DIRTY)' '$(VERSION)' '$(strip $(subst ",,$(ALL_CFLAGS)))' > $@.new
	$(Q)if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
FORCE:

$(BUILD)/sim/provenance.o: $(BUILD)/buildinfo.h
$(BUILD)/sim/provenance.o: ALL_CFLAGS += -I$(BUILD)

$(BUILD)/%.o: %.c | $(BUILD)/.
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libneedlesim.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(PROG): $(BUILD)/sim/main.o $(BUILD)/libneedlesim.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_COMMON_OBJ) $(BUILD)/libneedlesim.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(TEST_COMMON_OBJ) $(BUILD)/libneedlesim.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/verify/%: $(BUILD)/tests/verify/%.o $(TEST_COMMON_OBJ) $(BUILD)/libneedlesim.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

%/.:
	$(Q)mkdir -p $@

# ---- dependencies ---------------------------------------------------------------------------
deps:
	@sh .ci/deps.sh install

check-deps:
	@sh .ci/deps.sh check

# ---- run, test, verify, bench -----------------------------------------------------------------
run: check-deps
	@$(MAKE) --no-print-directory all
	@mkdir -p out
	$(PROG) run scenarios/default.ini -o out/default.h5

test: check-deps
	@$(MAKE) --no-print-directory all tests-build
	@sh tests/run.sh $(BUILD)

tests-build: $(PROG) $(TEST_BIN)

verify: check-deps
	@$(MAKE) --no-print-directory all $(VERIFY_BIN)
	@sh tests/run_verify.sh $(BUILD)

bench: check-deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@mkdir -p out
	@sh tests/bench/run.sh $(BUILD)

ci:
	@$(MAKE) --no-print-directory test WERROR_ON=1

asan:
	@$(MAKE) --no-print-directory test BUILD=build-asan OPT="-O1 -g" SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"

ubsan:
	@$(MAKE) --no-print-directory test BUILD=build-ubsan OPT="-O1 -g" SAN="-fsanitize=undefined -fno-sanitize-recover=undefined"

format:
	clang-format -i sim/*.c sim/*.h include/needlesim/*.h tests/unit/*.c

format-check:
	clang-format --dry-run --Werror sim/*.c sim/*.h include/needlesim/*.h tests/unit/*.c

print:
	@echo '$(VAR) = $($(VAR))'

clean:
	rm -rf $(BUILD) build-asan build-ubsan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
