/*
 * fuzz_sim.c - libFuzzer target for the simulated drive's state files
 * (drive.conf, medium.conf, damage): another process writes them, so any
 * bytes must be rejected cleanly or parsed within bounds.
 */
#include <stddef.h>
#include <stdint.h>

#include "engine/drive/sim.h"

#include "platform/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim_damage dmg;
	struct sim_drive_conf c;
	struct sim_medium m;
	struct dv_error err = DV_ERROR_INIT;
	const char *text = (const char *)data;

	sim_parse_drive_conf(text, size, &c, &err);
	if (sim_parse_medium(text, size, &m, &err) == 0 && m.written > m.capacity)
		__builtin_trap();
	if (sim_parse_damage(text, size, &dmg, &err) == 0 && dmg.n > SIM_MAX_FAULTS)
		__builtin_trap();
	return 0;
}
