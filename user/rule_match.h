/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one firewall rule asks of a packet, reduced to the fields dropwhy can
 * decide from a drop event, and the evaluator that answers match, no match,
 * or "cannot tell" for a captured packet.
 */
#ifndef DW_RULE_MATCH_H
#define DW_RULE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_IFNAMSIZ		16
#define FW_MAX_PORT_RANGES	16

/* Conntrack states as a mask: rules match on sets of them. */
#define FW_CT_NEW		(1u << 0)
#define FW_CT_ESTABLISHED	(1u << 1)
#define FW_CT_RELATED		(1u << 2)
#define FW_CT_INVALID		(1u << 3)
#define FW_CT_UNTRACKED		(1u << 4)

struct fw_addr_match {
	uint8_t addr[16];	/* network byte order, masked to plen */
	uint8_t plen;		/* prefix length in bits */
	bool set;
	bool neg;
};

struct fw_port_match {
	uint16_t lo[FW_MAX_PORT_RANGES];
	uint16_t hi[FW_MAX_PORT_RANGES];
	int count;		/* 0: any port */
	bool neg;
};

/*
 * Interface names ending in '+' match every name with that prefix
 * (iptables spelling; nft's trailing '*' is stored as '+').
 */
struct fw_match {
	char iif[FW_IFNAMSIZ];
	char oif[FW_IFNAMSIZ];
	bool iif_neg;
	bool oif_neg;
	int family;		/* 0: any, AF_INET, AF_INET6 */
	struct fw_addr_match src;
	struct fw_addr_match dst;
	int l4proto;		/* 0: any, else IPPROTO_* */
	bool l4proto_neg;
	struct fw_port_match sport;
	struct fw_port_match dport;
	unsigned int ctstate;	/* FW_CT_* mask, 0: any */
	bool ctstate_neg;
	bool unknown;		/* holds a match nobody here can decide */
};

/*
 * A packet as a rule sees it. Interface names: NULL when unknown (matches
 * on them give FW_MAYBE), "" when there is none (no output interface yet).
 */
struct fw_packet {
	int family;		/* AF_INET or AF_INET6 */
	int l4proto;		/* IPPROTO_* */
	uint8_t src[16];	/* network byte order; IPv4 in the first 4 */
	uint8_t dst[16];
	uint16_t sport;		/* host byte order */
	uint16_t dport;
	const char *in;
	const char *out;
	unsigned int ct_state;	/* one FW_CT_* bit, 0: unknown */
	/* Destination before DNAT, when conntrack knows it. */
	bool has_orig;
	uint8_t orig_dst[16];
	uint16_t orig_dport;
};

enum fw_match_result {
	FW_NO_MATCH,
	FW_MATCH,
	FW_MAYBE,
};

enum fw_match_result fw_match__eval(const struct fw_match *m,
				    const struct fw_packet *p);

/* "tcp", "udp", "icmp", "ipv6-icmp", "all", or a number; -1 if unknown. */
int fw_proto__parse(const char *name);
/* Name of an IPPROTO_* value; NULL when it has none here. */
const char *fw_proto__name(int proto);
/* Whether packets of this protocol carry ports a rule can match. */
bool fw_proto__has_ports(int proto);

/* "new", "ESTABLISHED", ... to one FW_CT_* bit; 0 if unknown. */
unsigned int fw_ct__parse(const char *name);

/*
 * "10.0.0.0/8", "::1", "1.2.3.4/255.255.255.0" (contiguous masks only).
 * family 0 guesses from the text. Returns the family, or -1.
 */
int fw_addr__parse(struct fw_addr_match *a, const char *text, int family);

/* Append lo..hi to a port list; -1 when the list is full. */
int fw_port__add(struct fw_port_match *pm, uint16_t lo, uint16_t hi);

/* Copy an interface name, turning a trailing '*' into '+'. */
void fw_iface__set(char *dst, const char *name);

#endif
