/*
 * tap.h - a tiny TAP producer for C unit tests (run by prove --exec '').
 */
#ifndef DV_TAP_H
#define DV_TAP_H

#include <stdint.h>
#include <string.h>

void tap_plan(int n);
void tap_plan_lazy(void);            /* print "1..N" at tap_done() */
int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_skip(const char *why);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit status: 0 when every test passed. */
int tap_done(void);

/* xorshift64: reproducible test data from a seed kept by the caller */
static inline uint32_t tap_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (uint32_t)(*state >> 16);
}

#define TAP_OK(cond) tap_ok((cond), "%s (%s:%d)", #cond, __FILE__, __LINE__)
#define TAP_EQ_U64(a, b) tap_ok((uint64_t)(a) == (uint64_t)(b), \
	"%s == %s (%llu vs %llu)", #a, #b, \
	(unsigned long long)(a), (unsigned long long)(b))
#define TAP_STREQ(a, b) tap_ok(strcmp((a), (b)) == 0, "%s == \"%s\" (got \"%s\")", \
	#a, (b), (a))

#endif
