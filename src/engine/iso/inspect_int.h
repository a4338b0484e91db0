/*
 * inspect_int.h - helpers shared by the inspect parsers (not public).
 */
#ifndef DV_ISO_INSPECT_INT_H
#define DV_ISO_INSPECT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/iso/inspect.h"

static inline uint16_t get_be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t get_le16(const unsigned char *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Decode bytes as isolyzer's bytesToText does and then strip: UTF-8 with
 * invalid sequences dropped, control and format characters removed,
 * surrounding whitespace stripped. Returns a malloc'ed string or NULL. */
char *insp_text_clean(const unsigned char *p, size_t len);
/* UCS-2BE (Joliet) to UTF-8, trailing spaces and NULs dropped. */
char *insp_text_ucs2be(const unsigned char *p, size_t len);

/* Field adders: silently drop the field when the struct is full or memory
 * runs out (the report then lacks it; nothing crashes). */
void insp_add_uint(struct insp_struct *s, const char *name, uint64_t v);
void insp_add_int(struct insp_struct *s, const char *name, int64_t v);
void insp_add_bool(struct insp_struct *s, const char *name, int v);
void insp_add_str(struct insp_struct *s, const char *name, const char *v);
void insp_add_text(struct insp_struct *s, const char *name, const unsigned char *p, size_t len);
void insp_add_owned(struct insp_struct *s, const char *name, char *v);
/* New struct appended to fs; NULL when fs is full or out of memory. */
struct insp_struct *insp_fs_add(struct insp_fs *fs, const char *name, int extra);
int64_t insp_get_int(const struct insp_struct *s, const char *name);

#endif
