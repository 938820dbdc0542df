/* chain-name.c — being written */
