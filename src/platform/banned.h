/*
 * banned.h - functions that are too easy to misuse. Every source file
 * includes it after its system headers (as git does).
 */
#ifndef DV_BANNED_H
#define DV_BANNED_H

#define DV_BANNED(func) sorry_##func##_is_banned_in_discvault

#undef strcpy
#define strcpy(x, y) DV_BANNED(strcpy)
#undef strcat
#define strcat(x, y) DV_BANNED(strcat)
#undef sprintf
#define sprintf(...) DV_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) DV_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) DV_BANNED(strtok)
#undef gets
#define gets(x) DV_BANNED(gets)

#endif
