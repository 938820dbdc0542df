/* chain-armor.c — being written */
