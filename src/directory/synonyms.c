/*
 * synonyms.c - Spanish words for a service's English ones (see synonyms.h).
 */
#include "directory/synonyms.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct syn {
    const char *en; /* lower case, ASCII, one word */
    const char *es; /* blank-separated Spanish words */
} syn;

/* Everyday words for help, as a youth or a 211 operator would type them.
 * Kept sorted by the English word (bsearch). */
static const syn table[] = {
    {"abuse", "abuso maltrato"},
    {"addiction", "adiccion adicciones"},
    {"advocacy", "defensoria apoyo acompanamiento"},
    {"advocate", "defensor defensora acompanante"},
    {"alcohol", "alcohol"},
    {"attorney", "abogado abogada"},
    {"bed", "cama camas"},
    {"child", "nino nina ninos"},
    {"childcare", "guarderia"},
    {"clinic", "clinica"},
    {"clothes", "ropa"},
    {"clothing", "ropa"},
    {"counseling", "consejeria terapia orientacion"},
    {"counselling", "consejeria terapia orientacion"},
    {"counselor", "consejero consejera"},
    {"crisis", "crisis"},
    {"dental", "dental dentista"},
    {"dentist", "dentista"},
    {"detox", "desintoxicacion"},
    {"doctor", "medico doctor"},
    {"domestic", "domestica"},
    {"drug", "drogas"},
    {"education", "educacion escuela"},
    {"emergency", "emergencia urgencia"},
    {"employment", "empleo trabajo"},
    {"family", "familia"},
    {"food", "comida alimentos"},
    {"health", "salud"},
    {"help", "ayuda"},
    {"homeless", "indigente desamparado"},
    {"hotline", "linea ayuda telefono"},
    {"housing", "vivienda alojamiento casa"},
    {"hygiene", "higiene"},
    {"immigration", "inmigracion"},
    {"job", "empleo trabajo"},
    {"law", "ley legal"},
    {"lawyer", "abogado abogada"},
    {"legal", "legal abogado"},
    {"meal", "comida"},
    {"medical", "medico medica atencion"},
    {"medicine", "medicina medicamentos"},
    {"mental", "mental"},
    {"pantry", "despensa alimentos"},
    {"parenting", "crianza padres"},
    {"pharmacy", "farmacia"},
    {"pregnancy", "embarazo"},
    {"pregnant", "embarazada"},
    {"rape", "violacion"},
    {"safe", "seguro segura"},
    {"safety", "seguridad"},
    {"school", "escuela"},
    {"sexual", "sexual"},
    {"shelter", "refugio albergue"},
    {"shower", "ducha duchas"},
    {"substance", "sustancias"},
    {"support", "apoyo"},
    {"survivor", "sobreviviente"},
    {"therapy", "terapia"},
    {"trafficking", "trata"},
    {"transit", "transporte"},
    {"transportation", "transporte"},
    {"tutoring", "tutoria clases"},
    {"violence", "violencia"},
    {"work", "trabajo empleo"},
    {"youth", "jovenes juventud adolescentes"},
};

static int
cmp(const void *k, const void *e)
{
    return strcmp((const char *)k, ((const syn *)e)->en);
}

static const syn *
lookup(const char *w)
{
    return bsearch(w, table, sizeof table / sizeof table[0], sizeof table[0], cmp);
}

/* the entry for word W (lower case), allowing a plural "s" or "es" */
static const syn *
find(char *w, size_t n)
{
    const syn *s = lookup(w);
    if (!s && n > 3 && w[n - 1] == 's') {
        w[n - 1] = '\0';
        s = lookup(w);
        if (!s && n > 4 && w[n - 2] == 'e') {
            w[n - 2] = '\0';
            s = lookup(w);
        }
    }
    return s;
}

hv_result
synonyms_es(const char *const *texts, int n, buf *out)
{
    /* each entry once: a bit per table row */
    unsigned char seen[(sizeof table / sizeof table[0] + 7) / 8] = {0};
    hv_result r = HV_OK;
    for (int t = 0; t < n && r == HV_OK; t++) {
        const char *p = texts[t];
        if (!p)
            continue;
        while (*p && r == HV_OK) {
            while (*p && !isalpha((unsigned char)*p))
                p++;
            char w[32];
            size_t len = 0;
            int fits = 1;
            while (isalpha((unsigned char)*p)) {
                if (len + 1 < sizeof w)
                    w[len++] = (char)tolower((unsigned char)*p);
                else
                    fits = 0;
                p++;
            }
            w[len] = '\0';
            const syn *s = (fits && len >= 3) ? find(w, len) : NULL;
            if (!s)
                continue;
            size_t i = (size_t)(s - table);
            if (seen[i / 8] & (1u << (i % 8)))
                continue;
            seen[i / 8] |= (unsigned char)(1u << (i % 8));
            if (out->len)
                r = buf_adds(out, " ");
            if (r == HV_OK)
                r = buf_adds(out, s->es);
        }
    }
    return r;
}
