/* parser/html_text.c — placeholder, being written */
#include "parser.h"
typedef int fs_placeholder_html_text_t;
