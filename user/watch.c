// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "watch.h"

static const char *const default_watch[] = {
	"169.254.170.2:80",	/* task metadata and credentials endpoint */
	"127.0.0.1:51679",	/* where the host DNATs it: the ECS agent */
	"127.0.0.1:51678",	/* the agent's introspection API */
};

static int parse_port(const char *text, __u16 *port)
{
	char *end;
	long value;

	if (!*text)
		return -1;
	value = strtol(text, &end, 10);
	if (*end || value < 1 || value > 65535)
		return -1;
	*port = (__u16)value;
	return 0;
}

/* Split "[v6]:port", "v6", "v4:port" or "v4" into host and port text. */
static int split_spec(const char *spec, char *host, size_t host_len,
		      const char **port)
{
	const char *colon = strrchr(spec, ':');
	size_t len;

	*port = NULL;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -1;
		len = close - spec - 1;
		if (close[1] == ':')
			*port = close + 2;
		spec++;
	} else if (colon && strchr(spec, ':') == colon) {
		len = colon - spec;
		*port = colon + 1;
	} else {
		len = strlen(spec);
	}
	if (len == 0 || len >= host_len)
		return -1;
	memcpy(host, spec, len);
	host[len] = '\0';
	return 0;
}

int watch__parse(const char *spec, struct watch_key *key, char *err,
		 size_t err_len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;

	memset(key, 0, sizeof(*key));
	if (split_spec(spec, host, sizeof(host), &port)) {
		snprintf(err, err_len, "invalid watch '%s': expected ADDR, ADDR:PORT or [IPV6]:PORT", spec);
		return -1;
	}
	if (inet_pton(AF_INET, host, key->addr) == 1)
		key->family = DW_FAMILY_IPV4;
	else if (inet_pton(AF_INET6, host, key->addr) == 1)
		key->family = DW_FAMILY_IPV6;
	else {
		snprintf(err, err_len, "invalid watch '%s': '%s' is not an IPv4 or IPv6 address", spec, host);
		return -1;
	}
	if (port && parse_port(port, &key->port)) {
		snprintf(err, err_len, "invalid watch '%s': port must be 1-65535", spec);
		return -1;
	}
	return 0;
}

int watch__add(struct watch_set *set, const char *spec, char *err,
	       size_t err_len)
{
	if (set->count >= DW_MAX_WATCH) {
		snprintf(err, err_len, "too many watch entries (at most %d)", DW_MAX_WATCH);
		return -1;
	}
	if (watch__parse(spec, &set->keys[set->count], err, err_len))
		return -1;
	set->count++;
	return 0;
}

void watch__add_defaults(struct watch_set *set)
{
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(default_watch) / sizeof(default_watch[0]); i++)
		watch__add(set, default_watch[i], err, sizeof(err));
}

void watch__format(const struct watch_key *key, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	int af = key->family == DW_FAMILY_IPV4 ? AF_INET : AF_INET6;

	inet_ntop(af, key->addr, host, sizeof(host));
	if (!key->port)
		snprintf(buf, len, "%s", host);
	else if (af == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, key->port);
	else
		snprintf(buf, len, "%s:%u", host, key->port);
}
