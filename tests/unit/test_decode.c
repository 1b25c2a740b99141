// SPDX-License-Identifier: GPL-2.0
/*
 * user/decode, user/explain and user/output: a raw drop_event through to
 * the explained record and the two sinks, on the ECS agent case.
 */
#include <stdlib.h>
#include <string.h>
#include "decode.h"
#include "explain.h"
#include "json_check.h"
#include "output.h"
#include "reasons.h"
#include "tap.h"

#define REASON_NOT_SPECIFIED	2
#define REASON_NO_SOCKET	3
#define REASON_NETFILTER_DROP	12
#define REASON_IP_RPFILTER	16
#define REASON_UNCATALOGUED	40
#define REASON_UNNAMED		77
#define REASON_IP_LOCALNET	91

/* 2023-11-14T22:13:20Z, so that times come out exactly. */
#define REALTIME_OFFSET_NS	1700000000000000000LL
#define DROP_LOCATION		0xffffffff81a0007dULL

static const char schema_keys[] =
	"time reason reason_code location netns in out family proto src sport "
	"dst dport orig_src orig_sport orig_dst orig_dport ct_state hook "
	"backend table chain rule verdict attribution exact cause fix";

static struct reason_table reasons;

static const struct decoder plain_decoder = {
	.reasons = &reasons,
	.realtime_offset_ns = REALTIME_OFFSET_NS,
};

static void fill_reasons(void)
{
	reasons.names[REASON_NOT_SPECIFIED] = (char *)"NOT_SPECIFIED";
	reasons.names[REASON_NO_SOCKET] = (char *)"NO_SOCKET";
	reasons.names[REASON_NETFILTER_DROP] = (char *)"NETFILTER_DROP";
	reasons.names[REASON_IP_RPFILTER] = (char *)"IP_RPFILTER";
	reasons.names[REASON_UNCATALOGUED] = (char *)"SOME_NEW_REASON";
	reasons.names[REASON_IP_LOCALNET] = (char *)"IP_LOCALNET";
	reasons.available = true;
}

static void set_ipv4(__u8 *addr, __u8 a, __u8 b, __u8 c, __u8 d)
{
	memset(addr, 0, DW_ADDR_LEN);
	addr[0] = a;
	addr[1] = b;
	addr[2] = c;
	addr[3] = d;
}

/* A SYN from a task to the metadata endpoint, DNATed to the agent. */
static void ecs_event(struct drop_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = 123456789;
	ev->location = DROP_LOCATION;
	ev->reason = REASON_NETFILTER_DROP;
	ev->netns_ino = 4026531840u;
	ev->ifindex = 5;
	ev->iif = 5;
	ev->len = 60;
	ev->cpu = 3;
	set_ipv4(ev->saddr, 169, 254, 172, 2);
	set_ipv4(ev->daddr, 127, 0, 0, 1);
	set_ipv4(ev->orig_saddr, 169, 254, 172, 2);
	set_ipv4(ev->orig_daddr, 169, 254, 170, 2);
	strcpy(ev->ifname, "ecs-bridge");
	ev->sport = 40000;
	ev->dport = 51679;
	ev->orig_sport = 40000;
	ev->orig_dport = 80;
	ev->flags = DW_EV_HAS_CT | DW_EV_HAS_L4 | DW_EV_HAS_REASON;
	ev->family = DW_FAMILY_IPV4;
	ev->l4proto = IPPROTO_TCP;
	ev->tcp_flags = 0x02;
	ev->ct_state = DW_CT_NEW;
	ev->nf_hook = DW_HOOK_NONE;
}

static void decode_explained(const struct drop_event *ev,
			     struct drop_record *rec)
{
	decode__event(&plain_decoder, ev, rec);
	explain__drop(rec);
}

static bool contains(const char *text, const char *part)
{
	return text && strstr(text, part);
}

static void check_tcp_flags(__u8 flags, const char *want)
{
	char buf[64];

	decode__tcp_flags(flags, buf, sizeof(buf));
	tap_is_str(buf, want, "tcp flags 0x%02x", flags);
}

static void check_time(long long ns, const char *want)
{
	char buf[40];

	decode__time(ns, buf, sizeof(buf));
	tap_is_str(buf, want, "time %lld", ns);
}

static void test_helpers(void)
{
	char small[8];

	check_tcp_flags(0x02, "SYN");
	check_tcp_flags(0x12, "SYN|ACK");
	check_tcp_flags(0x11, "FIN|ACK");
	check_tcp_flags(0x04, "RST");
	check_tcp_flags(0x00, "");
	check_tcp_flags(0xff, "FIN|SYN|RST|PSH|ACK|URG|ECE|CWR");
	decode__tcp_flags(0x12, small, 6);
	tap_is_str(small, "SYN|A", "tcp flags truncated to the buffer");

	check_time(REALTIME_OFFSET_NS + 123456789,
		   "2023-11-14T22:13:20.123456789Z");
	check_time(REALTIME_OFFSET_NS + 1, "2023-11-14T22:13:20.000000001Z");
	check_time(0, "1970-01-01T00:00:00.000000000Z");
	check_time(951782400999999999LL, "2000-02-29T00:00:00.999999999Z");

	tap_is_str(decode__proto_name(IPPROTO_TCP), "tcp", "proto 6");
	tap_is_str(decode__proto_name(IPPROTO_UDP), "udp", "proto 17");
	tap_is_str(decode__proto_name(IPPROTO_ICMP), "icmp", "proto 1");
	tap_is_str(decode__proto_name(IPPROTO_ICMPV6), "icmpv6", "proto 58");
	tap_is_str(decode__proto_name(IPPROTO_SCTP), "sctp", "proto 132");
	tap_is_str(decode__proto_name(0), NULL, "proto 0 has no name");
	tap_is_str(decode__proto_name(253), NULL, "proto 253 has no name");
}

static void test_decode_ecs(void)
{
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	decode__event(&plain_decoder, &ev, &rec);
	tap_ok(rec.ev == &ev, "decode: record points at its event");
	tap_is_str(rec.time, "2023-11-14T22:13:20.123456789Z",
		   "decode: monotonic time plus offset");
	tap_is_str(rec.reason, "NETFILTER_DROP", "decode: reason name");
	tap_is_str(rec.location, "0xffffffff81a0007d",
		   "decode: raw location without ksyms");
	tap_is_str(rec.in, "ecs-bridge", "decode: in");
	tap_is_str(rec.out, NULL, "decode: out");
	tap_is_int(rec.in_ifindex, 5, "decode: in_ifindex");
	tap_is_int(rec.out_ifindex, 0, "decode: no out_ifindex");
	tap_is_str(rec.family, "ipv4", "decode: family");
	tap_is_str(rec.proto, "tcp", "decode: proto");
	tap_is_str(rec.src, "169.254.172.2", "decode: src");
	tap_is_str(rec.dst, "127.0.0.1", "decode: dst");
	tap_ok(rec.has_ports && rec.has_orig_ports, "decode: ports known");
	tap_is_str(rec.orig_src, "169.254.172.2", "decode: orig_src");
	tap_is_str(rec.orig_dst, "169.254.170.2", "decode: orig_dst");
	tap_is_str(rec.ct_state, "new", "decode: ct_state");
	tap_is_str(rec.hook, NULL, "decode: no hook");
	tap_is_str(rec.tcp_flags, "SYN", "decode: tcp flags");
	tap_is_int(rec.rule_handle, -1, "decode: no rule handle");
	tap_ok(!rec.backend && !rec.table && !rec.chain && !rec.rule_text &&
	       !rec.verdict && !rec.attribution,
	       "decode: no rule attribution");
}

static int fake_ifname(__u32 netns_ino, __u32 ifindex, char *buf)
{
	if (ifindex != 2)
		return -1;
	strcpy(buf, "eth0");
	return 0;
}

static void test_decode_interfaces(void)
{
	struct decoder named = plain_decoder;
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	ev.iif = 0;
	ev.ifindex = 7;
	decode__event(&plain_decoder, &ev, &rec);
	tap_ok(!rec.in && contains(rec.out, "ecs-bridge") &&
	       rec.out_ifindex == 7,
	       "interfaces: locally generated, dev is the output");

	ev.iif = 2;
	decode__event(&plain_decoder, &ev, &rec);
	tap_ok(!rec.in && rec.in_ifindex == 2 &&
	       contains(rec.out, "ecs-bridge"),
	       "interfaces: forwarded, input unresolved without a callback");
	named.ifname = fake_ifname;
	decode__event(&named, &ev, &rec);
	tap_is_str(rec.in, "eth0",
		   "interfaces: input resolved by the callback");
	tap_is_str(rec.out, "ecs-bridge", "interfaces: output from the event");

	ecs_event(&ev);
	strcpy(ev.ifname, "abcdefghijklmno");
	decode__event(&plain_decoder, &ev, &rec);
	tap_is_str(rec.in, "abcdefghijklmno",
		   "interfaces: 15-byte name kept whole");
}

static void test_decode_variants(void)
{
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	ev.flags = DW_EV_HAS_L4 | DW_EV_HAS_HOOK;
	ev.nf_hook = 1;
	ev.ct_state = 9;
	decode__event(&plain_decoder, &ev, &rec);
	tap_is_str(rec.reason, NULL, "variants: no reason without the flag");
	tap_ok(!rec.orig_src && !rec.orig_dst && !rec.has_orig_ports,
	       "variants: nothing original without conntrack");
	tap_is_str(rec.hook, "INPUT", "variants: hook 1 is INPUT");
	tap_is_str(rec.ct_state, NULL, "variants: unknown ct state is NULL");

	ev.nf_hook = DW_HOOK_NONE;
	ev.l4proto = IPPROTO_ICMP;
	decode__event(&plain_decoder, &ev, &rec);
	tap_is_str(rec.hook, NULL, "variants: DW_HOOK_NONE has no name");
	tap_ok(!rec.has_ports && !rec.tcp_flags[0],
	       "variants: icmp has no ports");

	ev.family = DW_FAMILY_NONE;
	decode__event(&plain_decoder, &ev, &rec);
	tap_ok(!rec.family && !rec.src && !rec.dst && !rec.proto,
	       "variants: non-IP has no addresses");

	ecs_event(&ev);
	ev.reason = REASON_UNNAMED;
	decode__event(&plain_decoder, &ev, &rec);
	tap_is_str(rec.reason, NULL, "variants: a code without a name");
}

/* Worst case: every flag set must still come out whole. */
static void test_decode_all_tcp_flags(void)
{
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	ev.tcp_flags = 0x3f;
	decode__event(&plain_decoder, &ev, &rec);
	tap_is_str(rec.tcp_flags, "FIN|SYN|RST|PSH|ACK|URG",
		   "decode: six TCP flags are not truncated");
}

static void test_explain_netfilter(void)
{
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	decode_explained(&ev, &rec);
	tap_ok(contains(rec.cause, "ecs-bridge"),
	       "netfilter: cause names the interface");
	tap_ok(contains(rec.cause, "127.0.0.1:51679"),
	       "netfilter: cause names the agent endpoint");
	tap_ok(contains(rec.cause, "169.254.170.2:80"),
	       "netfilter: cause names the original endpoint");
	tap_is_str(rec.fix, "", "netfilter: no fix without a rule");
	if (!tap_ok(!strchr(rec.cause, '\n'), "netfilter: cause is one line"))
		tap_diag("cause: %s", rec.cause);

	ev.flags |= DW_EV_HAS_HOOK;
	ev.nf_hook = 1;
	decode_explained(&ev, &rec);
	tap_ok(contains(rec.cause, "INPUT"), "netfilter: cause names the hook");
}

static void test_explain_localnet(void)
{
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	ev.reason = REASON_IP_LOCALNET;
	decode_explained(&ev, &rec);
	tap_is_str(rec.fix,
		   "sysctl -w net.ipv4.conf.ecs-bridge.route_localnet=1",
		   "localnet: fix sets route_localnet on the interface");
	tap_ok(contains(rec.cause, "route_localnet"),
	       "localnet: cause names route_localnet");
}

/* Before IP_LOCALNET, the same drop at the input route lookup. */
static void explain_at(const char *location, __u32 reason,
		       struct drop_record *rec)
{
	struct drop_event ev;

	ecs_event(&ev);
	ev.reason = reason;
	decode__event(&plain_decoder, &ev, rec);
	snprintf(rec->location, sizeof(rec->location), "%s", location);
	explain__drop(rec);
}

static void test_explain_localnet_unnamed(void)
{
	struct drop_record rec;

	explain_at("ip_rcv_finish_core.constprop.0+0x1ab", REASON_NOT_SPECIFIED, &rec);
	tap_ok(contains(rec.cause, "route_localnet"),
	       "localnet without its reason: cause names route_localnet");
	tap_is_str(rec.fix,
		   "sysctl -w net.ipv4.conf.ecs-bridge.route_localnet=1",
		   "localnet without its reason: the same fix");
	explain_at("tcp_v4_rcv+0x10", REASON_NOT_SPECIFIED, &rec);
	tap_ok(!contains(rec.cause, "route_localnet"),
	       "NOT_SPECIFIED elsewhere: no route_localnet cause");
	explain_at("ip_rcv_finish_core.constprop.0+0x1ab", REASON_NO_SOCKET, &rec);
	tap_ok(!contains(rec.cause, "route_localnet"),
	       "a named reason at the route lookup keeps its own cause");
}

static void test_explain_no_socket(void)
{
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	ev.reason = REASON_NO_SOCKET;
	decode_explained(&ev, &rec);
	tap_ok(contains(rec.cause, "ECS agent"),
	       "no socket: cause names the ECS agent");
	tap_ok(contains(rec.cause, "127.0.0.1:51679"),
	       "no socket: cause names the port");
	tap_ok(rec.fix[0] != '\0', "no socket: a fix is offered for the agent");

	set_ipv4(ev.daddr, 10, 0, 0, 1);
	ev.dport = 8080;
	ev.l4proto = IPPROTO_UDP;
	decode_explained(&ev, &rec);
	tap_is_str(rec.cause, "nothing listens on 10.0.0.1:8080/udp",
		   "no socket: other destinations");
	tap_is_str(rec.fix, "", "no socket: no fix for other destinations");
}

static void test_explain_rpfilter(void)
{
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	ev.reason = REASON_IP_RPFILTER;
	decode_explained(&ev, &rec);
	tap_ok(contains(rec.fix, "rp_filter") &&
	       contains(rec.fix, "ecs-bridge"),
	       "rpfilter: fix sets rp_filter on the interface");
	tap_ok(contains(rec.cause, "169.254.172.2"),
	       "rpfilter: cause names the source");
}

static void test_explain_default(void)
{
	struct drop_record rec;
	struct drop_event ev;

	ecs_event(&ev);
	ev.reason = REASON_UNCATALOGUED;
	decode_explained(&ev, &rec);
	tap_is_str(rec.cause,
		   "the kernel dropped the packet (SOME_NEW_REASON) at 0xffffffff81a0007d",
		   "default: uncatalogued reason");
	tap_is_str(rec.fix, "", "default: no fix");

	ev.flags &= ~DW_EV_HAS_REASON;
	decode_explained(&ev, &rec);
	tap_ok(contains(rec.cause, "gives no reason"),
	       "default: a kernel without reasons is said so");
}

/* output__json of rec into a string; the caller frees it. */
static char *json_line(const struct drop_record *rec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	output__json(out, rec);
	fclose(out);
	return text;
}

static void expected_json(const struct drop_record *rec, char *buf, size_t len)
{
	snprintf(buf, len,
		 "{\"time\":\"2023-11-14T22:13:20.123456789Z\","
		 "\"reason\":\"NETFILTER_DROP\",\"reason_code\":12,"
		 "\"location\":\"0xffffffff81a0007d\",\"netns\":4026531840,"
		 "\"in\":\"ecs-bridge\",\"out\":null,\"family\":\"ipv4\","
		 "\"proto\":\"tcp\",\"src\":\"169.254.172.2\",\"sport\":40000,"
		 "\"dst\":\"127.0.0.1\",\"dport\":51679,"
		 "\"orig_src\":\"169.254.172.2\",\"orig_sport\":40000,"
		 "\"orig_dst\":\"169.254.170.2\",\"orig_dport\":80,"
		 "\"ct_state\":\"new\",\"hook\":null,\"backend\":null,"
		 "\"table\":null,\"chain\":null,\"rule\":null,\"verdict\":null,"
		 "\"attribution\":null,\"exact\":null,\"cause\":\"%s\","
		 "\"fix\":null,\"tcp_flags\":\"SYN\",\"icmp_type\":null,"
		 "\"icmp_code\":null,\"in_ifindex\":5,\"out_ifindex\":null,"
		 "\"len\":60,\"cpu\":3,\"candidates\":null}\n", rec->cause);
}

static bool starts_with_schema(const char *keys)
{
	size_t len = strlen(schema_keys);

	return !strncmp(keys, schema_keys, len) &&
	       (keys[len] == ' ' || keys[len] == '\0');
}

static void test_output_json(void)
{
	char want[2048], keys[1024] = "";
	struct drop_record rec;
	struct drop_event ev;
	char *line;

	ecs_event(&ev);
	decode_explained(&ev, &rec);
	line = json_line(&rec);
	expected_json(&rec, want, sizeof(want));
	tap_is_str(line, want, "json: the exact ECS line");
	tap_ok(line && json_check(line, keys, sizeof(keys)), "json: parses");
	if (!tap_ok(starts_with_schema(keys),
		    "json: schema keys first, in order"))
		tap_diag("keys: %s", keys);
	free(line);
}

static void test_output_json_hostile_ifname(void)
{
	struct drop_record rec;
	struct drop_event ev;
	char *line;

	ecs_event(&ev);
	strcpy(ev.ifname, "a\"b\\c\xff" "d");
	ev.reason = REASON_IP_LOCALNET;
	decode_explained(&ev, &rec);
	line = json_line(&rec);
	tap_ok(line && json_check(line, NULL, 0),
	       "json: quote, backslash and 0xff in an ifname stay valid");
	tap_ok(contains(line, "\"in\":\"a\\\"b\\\\c\\u00ffd\""),
	       "json: the ifname is escaped");
	free(line);

	ev.flags = 0;
	ev.family = DW_FAMILY_NONE;
	ev.iif = 0;
	ev.ifindex = 0;
	decode_explained(&ev, &rec);
	line = json_line(&rec);
	tap_ok(line && json_check(line, NULL, 0), "json: a bare non-IP event");
	tap_ok(contains(line, "\"reason\":null,\"reason_code\":null,"),
	       "json: no reason is null");
	free(line);
}

static char *text_line(const struct drop_record *rec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	output__text(out, rec);
	fclose(out);
	return text;
}

static void test_output_text(void)
{
	struct drop_record rec;
	struct drop_event ev;
	char *line;

	ecs_event(&ev);
	decode_explained(&ev, &rec);
	line = text_line(&rec);
	tap_ok(line && strchr(line, '\n') == line + strlen(line) - 1,
	       "text: one line ending in a newline");
	tap_ok(contains(line, "NETFILTER_DROP"), "text: reason");
	tap_ok(contains(line, "in=ecs-bridge"), "text: input interface");
	tap_ok(!contains(line, "out="), "text: no output interface");
	tap_ok(line && !strncmp(line, "22:13:20.123456 ", 16),
	       "text: time first");
	tap_ok(contains(line, " tcp 169.254.172.2:40000 > 127.0.0.1:51679 [SYN]"
			" (orig 169.254.170.2:80) ct=new: "),
	       "text: packet, original destination and ct state");
	free(line);

	ev.reason = REASON_IP_LOCALNET;
	decode_explained(&ev, &rec);
	line = text_line(&rec);
	tap_ok(contains(line, "; fix: sysctl -w net.ipv4.conf.ecs-bridge.route_localnet=1\n"),
	       "text: fix at the end");
	free(line);
}

int main(void)
{
	fill_reasons();
	test_helpers();
	test_decode_ecs();
	test_decode_interfaces();
	test_decode_variants();
	test_decode_all_tcp_flags();
	test_explain_netfilter();
	test_explain_localnet();
	test_explain_localnet_unnamed();
	test_explain_no_socket();
	test_explain_rpfilter();
	test_explain_default();
	test_output_json();
	test_output_json_hostile_ifname();
	test_output_text();
	return tap_done();
}
