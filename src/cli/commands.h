/*
 * commands.h - the subcommands dispatched from main.c. Each takes the
 * arguments after the command name (argv[0] is the command name) and
 * returns the process exit code.
 */
#ifndef DV_COMMANDS_H
#define DV_COMMANDS_H

int cmd_drives(int argc, char **argv);
int cmd_burn(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_par2(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_rip(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_extract(int argc, char **argv);

#endif
