// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "json.h"
#include "output.h"

static void text_endpoint(FILE *out, const struct drop_record *rec,
			  const char *addr, __u16 port, bool has_port)
{
	if (rec->ev->family == DW_FAMILY_IPV6 && has_port)
		fprintf(out, "[%s]:%u", addr, port);
	else if (has_port)
		fprintf(out, "%s:%u", addr, port);
	else
		fputs(addr, out);
}

static void text_packet(FILE *out, const struct drop_record *rec)
{
	const struct drop_event *ev = rec->ev;

	if (!rec->src) {
		fputs(" non-IP", out);
		return;
	}
	fprintf(out, " %s ", rec->proto ? rec->proto : "proto");
	if (!rec->proto)
		fprintf(out, "%u ", ev->l4proto);
	text_endpoint(out, rec, rec->src, ev->sport, rec->has_ports);
	fputs(" > ", out);
	text_endpoint(out, rec, rec->dst, ev->dport, rec->has_ports);
	if (rec->tcp_flags[0])
		fprintf(out, " [%s]", rec->tcp_flags);
	if (rec->orig_dst && (strcmp(rec->orig_dst, rec->dst) ||
			      ev->orig_dport != ev->dport)) {
		fputs(" (orig ", out);
		text_endpoint(out, rec, rec->orig_dst, ev->orig_dport,
			      rec->has_orig_ports);
		fputc(')', out);
	}
	if (rec->ct_state)
		fprintf(out, " ct=%s", rec->ct_state);
}

/*
 * 15:32:28.123456 NETFILTER_DROP in=ecs-bridge tcp 169.254.172.2:40000 >
 * 127.0.0.1:51679 [SYN] (orig 169.254.170.2:80) ct=new: cause; fix: cmd
 */
void output__text(FILE *out, const struct drop_record *rec)
{
	fprintf(out, "%.15s %s", rec->time + 11,
		rec->reason ? rec->reason : "DROP");
	if (rec->in)
		fprintf(out, " in=%s", rec->in);
	if (rec->out)
		fprintf(out, " out=%s", rec->out);
	text_packet(out, rec);
	fprintf(out, ": %s", rec->cause);
	if (rec->fix[0])
		fprintf(out, "; fix: %s", rec->fix);
	fputc('\n', out);
}

static void json_opt_uint(struct json_writer *w, const char *key, bool has,
			  uint64_t value)
{
	if (has)
		json__uint(w, key, value);
	else
		json__null(w, key);
}

static void json_rule(struct json_writer *w, const struct drop_record *rec)
{
	if (!rec->rule_index && !rec->rule_text && rec->rule_handle < 0) {
		json__null(w, "rule");
		return;
	}
	json__open_object(w, "rule");
	if (rec->rule_index)
		json__uint(w, "index", rec->rule_index);
	else
		json__null(w, "index");
	json__string(w, "text", rec->rule_text);
	if (rec->rule_handle >= 0)
		json__uint(w, "handle", rec->rule_handle);
	else
		json__null(w, "handle");
	json__close_object(w);
}

static void json_schema(struct json_writer *w, const struct drop_record *rec)
{
	const struct drop_event *ev = rec->ev;

	json__string(w, "time", rec->time);
	json__string(w, "reason", rec->reason);
	if (ev->flags & DW_EV_HAS_REASON)
		json__uint(w, "reason_code", ev->reason);
	else
		json__null(w, "reason_code");
	json__string(w, "location", rec->location);
	json__uint(w, "netns", ev->netns_ino);
	json__string(w, "in", rec->in);
	json__string(w, "out", rec->out);
	json__string(w, "family", rec->family);
	json__string(w, "proto", rec->proto);
	json__string(w, "src", rec->src);
	json_opt_uint(w, "sport", rec->has_ports, ev->sport);
	json__string(w, "dst", rec->dst);
	json_opt_uint(w, "dport", rec->has_ports, ev->dport);
	json__string(w, "orig_src", rec->orig_src);
	json_opt_uint(w, "orig_sport", rec->has_orig_ports, ev->orig_sport);
	json__string(w, "orig_dst", rec->orig_dst);
	json_opt_uint(w, "orig_dport", rec->has_orig_ports, ev->orig_dport);
	json__string(w, "ct_state", rec->ct_state);
	json__string(w, "hook", rec->hook);
	json__string(w, "backend", rec->backend);
	json__string(w, "table", rec->table);
	json__string(w, "chain", rec->chain);
	json_rule(w, rec);
	json__string(w, "verdict", rec->verdict);
	json__string(w, "attribution", rec->attribution);
	if (rec->attribution)
		json__bool(w, "exact", rec->exact);
	else
		json__null(w, "exact");
	json__string(w, "cause", rec->cause);
	json__string(w, "fix", rec->fix[0] ? rec->fix : NULL);
}

/* The entries that remain possible when the attribution is not exact. */
static void json_candidates(struct json_writer *w, const struct drop_record *rec)
{
	const struct rule_candidate *c;
	int i;

	if (!rec->nr_candidates) {
		json__null(w, "candidates");
		return;
	}
	json__open_array(w, "candidates");
	for (i = 0; i < rec->nr_candidates; i++) {
		c = &rec->candidates[i];
		json__open_object(w, NULL);
		json__string(w, "backend", c->backend);
		json__string(w, "table", c->table);
		json__string(w, "chain", c->chain);
		json_opt_uint(w, "index", c->index > 0, c->index);
		json_opt_uint(w, "handle", c->handle >= 0, c->handle);
		json__string(w, "text", c->index ? c->text : NULL);
		json__close_object(w);
	}
	json__close_array(w);
}

/* Facts the schema has no key for, after it, in a stable order. */
static void json_extra(struct json_writer *w, const struct drop_record *rec)
{
	const struct drop_event *ev = rec->ev;
	bool icmp = ev->l4proto == IPPROTO_ICMP || ev->l4proto == IPPROTO_ICMPV6;

	json__string(w, "tcp_flags", rec->tcp_flags[0] ? rec->tcp_flags : NULL);
	json_opt_uint(w, "icmp_type", icmp && (ev->flags & DW_EV_HAS_L4), ev->icmp_type);
	json_opt_uint(w, "icmp_code", icmp && (ev->flags & DW_EV_HAS_L4), ev->icmp_code);
	json_opt_uint(w, "in_ifindex", rec->in_ifindex, rec->in_ifindex);
	json_opt_uint(w, "out_ifindex", rec->out_ifindex, rec->out_ifindex);
	json__uint(w, "len", ev->len);
	json__uint(w, "cpu", ev->cpu);
	json_candidates(w, rec);
}

void output__json(FILE *out, const struct drop_record *rec)
{
	struct json_writer w;

	json__begin(&w, out);
	json_schema(&w, rec);
	json_extra(&w, rec);
	json__end(&w);
}
