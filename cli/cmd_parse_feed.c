/* cmd_parse_feed.c — placeholder, being written */
#include "cli.h"

int cmd_parse_feed(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "feedsift: not yet implemented\n");
    return EXIT_FAILURE_;
}
