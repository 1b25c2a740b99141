# SPDX-License-Identifier: GPL-2.0
# dropwhy: bpf/*.bpf.c -> .bpf.o -> .skel.h -> user/*.o -> ./dropwhy
# Everything is built out of tree in .output/. V=1 shows the commands.

OUTPUT     := .output
CLANG      ?= clang
BPFTOOL    ?= bpftool
CC         ?= gcc
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX    := vmlinux/vmlinux_$(shell uname -m).h

CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Wno-unused-parameter -std=gnu11
CPPFLAGS   += -I$(OUTPUT) -Ibpf -Iuser
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
	      -Wno-unused-function -I$(OUTPUT) -Ibpf
LIBS       := $(shell pkg-config --libs libbpf jansson 2>/dev/null || echo -lbpf -lelf -lz -ljansson)

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
USER_SRCS  := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS  := $(patsubst user/%.c,$(OUTPUT)/%.o,$(USER_SRCS))
TEST_SRCS  := $(wildcard tests/unit/*.c)
TEST_BINS  := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(TEST_SRCS))

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Keep the .bpf.o and .skel.h intermediates: user objects depend on them.
.SECONDARY:
.PHONY: all clean test unit-test integration-test run demo deps vmlinux bench

all: dropwhy

$(OUTPUT) $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: $(VMLINUX) | $(OUTPUT)
	$(Q)cp $< $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c bpf/*.h $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@

# User objects include the skeletons, so they wait for them explicitly.
$(OUTPUT)/%.o: user/%.c user/*.h bpf/dropwhy.h $(SKELS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

dropwhy: $(OUTPUT)/main.o $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(USER_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -Itests/unit $^ $(LIBS) -o $@

# run and test start with the dependency check, so that one command works
# on a fresh machine; the build itself then runs in a sub-make.
unit-test: deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BINS)
	$(Q)prove $(TEST_BINS)

# Integration tests need root and network namespaces.
integration-test: deps
	$(Q)$(MAKE) --no-print-directory dropwhy
	$(Q)prove tests/integration/*.t

# The integration tests inside a QEMU guest that boots a Debian kernel
# package (root): KERNEL=6.1 (default) or 6.12. See scripts/vmtest.sh --help.
KERNEL ?= 6.1
.PHONY: vmtest
vmtest: deps
	$(Q)$(MAKE) --no-print-directory dropwhy
	$(Q)scripts/vmtest.sh --kernel $(KERNEL)

test: deps
	$(Q)$(MAKE) --no-print-directory dropwhy $(TEST_BINS)
	$(Q)prove $(TEST_BINS) tests/integration/*.t

run: deps
	$(Q)$(MAKE) --no-print-directory dropwhy
	./dropwhy $(ARGS)

demo: deps
	$(Q)$(MAKE) --no-print-directory dropwhy
	$(Q)scripts/demo.sh

deps:
	$(Q)scripts/deps.sh

vmlinux:
	$(Q)scripts/gen-vmlinux.sh

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) dropwhy

# Benchmark (root): the traffic generator, the line timestamper and the
# do-nothing programs of the floor are built here; scripts/bench.sh runs
# every scenario. QUICK=1: one short pass.
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard scripts/bench/*.c))
BENCH_BINS := $(patsubst scripts/bench/%.c,$(OUTPUT)/bench/%,$(BENCH_SRCS))

$(OUTPUT)/bench:
	$(Q)mkdir -p $@

$(OUTPUT)/bench/%: scripts/bench/%.c | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(OUTPUT)/bench/floor.bpf.o: scripts/bench/floor.bpf.c $(OUTPUT)/vmlinux.h | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bench/floor.skel.h: $(OUTPUT)/bench/floor.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf > $@

# dw-floor links its netfilter program the way dropwhy's sentinels do.
$(OUTPUT)/bench/dw-floor: scripts/bench/dw-floor.c $(OUTPUT)/bench/floor.skel.h \
		$(OUTPUT)/sentinel.o $(OUTPUT)/log.o
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -I$(OUTPUT)/bench $< \
		$(OUTPUT)/sentinel.o $(OUTPUT)/log.o $(LIBS) -o $@

bench: deps
	$(Q)$(MAKE) --no-print-directory dropwhy $(BENCH_BINS)
	$(Q)QUICK=$(QUICK) scripts/bench.sh
