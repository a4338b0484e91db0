/*
 * signals.h - Ctrl-C and friends.
 *
 * The first SIGINT/SIGTERM/SIGHUP sets a flag that long operations poll;
 * they stop cleanly, remove their temporary files and the command exits
 * with 130. A second signal while the first is being handled removes the
 * registered temporary files and exits at once (exit code 130).
 *
 * In "guarded" mode (during a disc write, where stopping ruins the disc)
 * the first Ctrl-C only warns; a second one within 5 seconds sets the
 * flag.
 */
#ifndef DV_SIGNALS_H
#define DV_SIGNALS_H

void signals_install(void);
/* Non-zero once the user asked to stop. */
int signals_interrupted(void);
/* Address of the flag, for drive write options. */
volatile int *signals_flag(void);
void signals_set_guarded(int guarded);
void signals_reset(void);

#endif
