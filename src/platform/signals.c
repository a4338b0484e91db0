/*
 * signals.c - Ctrl-C handling that never leaves a half-written output
 * looking complete.
 */
#include "platform/signals.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform/fileio.h"
#include "platform/banned.h"

static volatile int interrupted;
static volatile sig_atomic_t guarded;
static volatile sig_atomic_t first_guarded_press;   /* seconds, monotonic */

static void say(const char *msg)
{
	(void)!write(STDERR_FILENO, msg, strlen(msg));
}

static long mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);   /* async-signal-safe */
	return (long)ts.tv_sec;
}

static void on_signal(int sig)
{
	if (interrupted) {
		say("\ndiscvault: interrupted again, stopping now\n");
		tmpfile_cleanup_signal_safe();
		_exit(130);
	}
	if (guarded && sig == SIGINT) {
		long now = mono_seconds();
		if (!first_guarded_press || now - first_guarded_press > 5) {
			first_guarded_press = (sig_atomic_t)now;
			say("\ndiscvault: a disc is being written; stopping now ruins it. "
			    "Press Ctrl-C again within 5 seconds to abort the write.\n");
			return;
		}
	}
	interrupted = 1;
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int signals_interrupted(void)
{
	return interrupted;
}

volatile int *signals_flag(void)
{
	return &interrupted;
}

void signals_set_guarded(int on)
{
	guarded = on;
	first_guarded_press = 0;
}

void signals_reset(void)
{
	interrupted = 0;
}
