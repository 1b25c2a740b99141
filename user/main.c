// SPDX-License-Identifier: GPL-2.0
/* dropwhy: which part of the kernel dropped my packet, and what fixes it. */
#include "attribute.h"
#include "log.h"
#include "netns.h"
#include "reasons.h"
#include "stream.h"

int main(int argc, char **argv)
{
	struct options opts;
	struct reason_table reasons;
	struct attributor attributor;
	struct sentinel_plan plan = {};
	struct tracer tracer = {};
	struct stream stream;
	struct kernel_facts facts;
	bool done;
	int status;

	/* Parse: bad input ends here with status 2. */
	status = options__parse(argc, argv, &opts, &done);
	if (status || done)
		return status;
	log_verbose = opts.verbose;
	stream__catch_signals();

	/* Probe the environment: privileges, kernel BTF. */
	if (tracer__check_env())
		return DW_EXIT_FAIL;

	/* Read the firewall once: where to place sentinels, rule texts. The
	 * tools load the firewall modules the probes below look for. */
	if (attributor__open(&attributor, opts.netns))
		return DW_EXIT_FAIL;
	attributor__plan(&attributor, &plan);

	/* Drop reason names and what the kernel offers, from BTF. */
	if (tracer__read_kernel(&facts, &reasons, &opts))
		return DW_EXIT_FAIL;

	/* Load and attach the capture programs and the sentinels. */
	status = tracer__start(&tracer, &opts, &facts, &reasons,
			       attributor.enabled ? &plan : NULL);
	if (status)
		return DW_EXIT_FAIL;
	log_info("attached (%s), watching %s", tracer.capture_path,
		 opts.watch_all ? "every drop" : "the watch set");

	/* Stream events until --count, --duration or a signal. */
	stream__init(&stream, &opts, &attributor, tracer.ksyms, &reasons, &tracer);
	status = stream__run(&stream, &tracer) ? DW_EXIT_FAIL : DW_EXIT_OK;

	/* Clean up: summary on stderr, detach, free. */
	stream__summary(&stream, &tracer);
	tracer__stop(&tracer);
	attributor__free(&attributor);
	netns__cleanup();
	reasons__free(&reasons);
	return status;
}
