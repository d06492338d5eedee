/* parser/extract.c — placeholder, being written */
#include "parser.h"
typedef int fs_placeholder_extract_t;
