/* The CLI's commands: one file each, all on the public API (include/vkcnn.h).
 * Each takes argv with argv[0] the command name and returns the exit status:
 * 0 success, 1 runtime or model error, 2 usage error. */
#ifndef VKCNN_TOOLS_COMMANDS_H
#define VKCNN_TOOLS_COMMANDS_H

int vkcnn_cmd_bench(int argc, char **argv);
int vkcnn_cmd_classify(int argc, char **argv);
int vkcnn_cmd_devices(int argc, char **argv);
int vkcnn_cmd_embed(int argc, char **argv); /* cmd_embed.c */
int vkcnn_cmd_inspect(int argc, char **argv);
int vkcnn_cmd_knn(int argc, char **argv); /* cmd_knn.c */
int vkcnn_cmd_peak(int argc, char **argv);
int vkcnn_cmd_run(int argc, char **argv);
int vkcnn_cmd_tune(int argc, char **argv);

#endif
