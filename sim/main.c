/* main.c — placeholder until the CLI lands (being written in this session). */
#include <stdio.h>
int main(void) {
  fputs("needlesim: CLI not built yet\n", stderr);
  return 1;
}
