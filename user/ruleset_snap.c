// SPDX-License-Identifier: GPL-2.0
/*
 * Read a namespace's firewall with the tools that own it. Each backend
 * keeps its own state: iptables-legacy rules live in x_tables and only its
 * own tools see them; iptables-nft and native nft share nf_tables.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "ruleset_priv.h"
#include "subproc.h"

#define SNAPSHOT_TIMEOUT_MS	5000

struct snapshot_tool {
	enum fw_backend backend;
	const char *family;		/* "ip"/"ip6"; NULL: nft listing */
	char *const argv[6];
};

/* iptables-nft before nft: the nft listing needs to know its tables. */
static const struct snapshot_tool snapshot_tools[] = {
	{ FW_IPTABLES_LEGACY, "ip", { "iptables-legacy-save", "-c" } },
	{ FW_IPTABLES_LEGACY, "ip6", { "ip6tables-legacy-save", "-c" } },
	{ FW_IPTABLES_NFT, "ip", { "iptables-nft-save", "-c" } },
	{ FW_IPTABLES_NFT, "ip6", { "ip6tables-nft-save", "-c" } },
	{ FW_NFTABLES, NULL, { "nft", "-j", "-a", "list", "ruleset" } },
};

/* One failed tool makes its backend failed; one read makes it read. */
static void note_tool(struct ruleset *rs, enum fw_backend backend,
		      enum fw_tool_state state)
{
	enum fw_tool_state *cur = &rs->tools[backend];

	if (*cur == FW_TOOL_FAILED)
		return;
	if (state != FW_TOOL_MISSING || *cur == FW_TOOL_UNTRIED)
		*cur = state;
}

static enum fw_tool_state run_tool(struct ruleset *rs,
				   const struct snapshot_tool *tool,
				   int netns_fd)
{
	const char *name = tool->argv[0];
	char *out;
	int ret, err;

	ret = subproc__capture(tool->argv, netns_fd, SNAPSHOT_TIMEOUT_MS,
			       &out);
	if (ret == -ENOENT) {
		log_debug("%s not installed: not reading %s rules", name,
			  fw_backend__name(tool->backend));
		return FW_TOOL_MISSING;
	}
	if (ret < 0) {
		log_warn("failed to run %s: %s", name, strerror(-ret));
		return FW_TOOL_FAILED;
	}
	if (ret > 0) {
		log_warn("%s failed with exit status %d", name, ret);
		free(out);
		return FW_TOOL_FAILED;
	}
	if (tool->family)
		err = ruleset__parse_iptables_save(rs, tool->backend,
						   tool->family, out);
	else
		err = ruleset__parse_nft_json(rs, out);
	free(out);
	return err ? FW_TOOL_FAILED : FW_TOOL_OK;
}

/* "iptables v1.8.9 (nf_tables)" or "iptables v1.8.9 (legacy)" */
static void detect_plain_iptables(void)
{
	static char *const argv[] = { "iptables", "--version", NULL };
	static bool done;
	char *out;

	if (done)
		return;
	done = true;
	if (subproc__capture(argv, -1, SNAPSHOT_TIMEOUT_MS, &out) != 0)
		return;
	if (strstr(out, "(nf_tables)"))
		ruleset__plain_iptables_detected(FW_IPTABLES_NFT);
	else if (strstr(out, "(legacy)"))
		ruleset__plain_iptables_detected(FW_IPTABLES_LEGACY);
	free(out);
}

int ruleset__snapshot(struct ruleset *rs, int netns_fd)
{
	enum fw_tool_state state;
	bool any = false;
	size_t i;

	ruleset__init(rs);
	detect_plain_iptables();
	for (i = 0; i < ARRAY_LEN(snapshot_tools); i++) {
		state = run_tool(rs, &snapshot_tools[i], netns_fd);
		note_tool(rs, snapshot_tools[i].backend, state);
		any |= state == FW_TOOL_OK;
	}
	return any ? 0 : -1;
}
