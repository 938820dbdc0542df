/* chain-name-constraints.c — being written */
