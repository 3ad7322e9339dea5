/*
 * i18n.js - every word of the public directory pages (/find, /service,
 * /safe-places) in English and Spanish, and the locale's formats.
 *
 * The language is ?lang= in the URL when given (en or es), else the first of
 * the browser's languages that we have, else English. Nothing is stored: the
 * URL is the only memory. Service content (names, descriptions, fees) stays as
 * the provider wrote it; only the page's own words are translated.
 *
 * In the HTML, data-i18n="key" fills an element's text and
 * data-i18n-attr="placeholder:key aria-label:key" fills attributes.
 */

export const LANGS = ['en', 'es'];

const en = {
  lang_name: 'English',
  switch_to: 'Español',
  skip: 'Skip to main content',
  brand_sub: 'Find help',
  quick_exit: 'Quick exit',
  quick_exit_hint: 'Leaves this site at once (or press Esc twice).',
  no_tracking: 'This site keeps no record of your searches. Nothing you type is saved on this phone beyond the address bar.',
  footer: 'Services directory of the Los Angeles County First Responder Protocol. Listings are synthetic in this test version.',
  nav_find: 'Find services',
  nav_safe: 'Safe places',
  nav_signin: 'Staff sign-in',
  emergency: 'In danger now? Call 911.',
  call_911: 'Call 911',
  crisis: 'Talk to someone, any time, free and confidential:',
  hotline_trafficking: 'National Human Trafficking Hotline',
  hotline_trafficking_text: 'or text 233733',
  hotline_988: '988 Suicide & Crisis Lifeline (call or text)',

  find_title: 'Find help near you',
  find_intro: 'Free and low-cost help for young people: a safe place to stay, food, health care, someone to talk to. No sign-in.',
  what: 'What do you need?',
  what_hint: 'For example: shelter, food, clinic, counseling',
  where: 'Where?',
  where_hint: 'A ZIP code or an address',
  use_location: 'Use my location',
  locating: 'Finding your location…',
  located: 'Using your location.',
  location_denied: 'Your location is not available. Type a ZIP code instead.',
  within: 'Within',
  miles: (n) => `${n} ${n === 1 ? 'mile' : 'miles'}`,
  filters: 'More choices',
  open_now_filter: 'Open now',
  free_filter: 'Free',
  age: 'Your age',
  age_hint: 'Shows only services for your age',
  language: 'Language spoken',
  any_language: 'Any language',
  category: 'Kind of help',
  any_category: 'Any kind of help',
  search: 'Search',
  clear: 'Clear',
  results: 'Results',
  list_view: 'List',
  map_view: 'Map',
  map_label: 'Map of the results',
  map_no_tiles: 'Map without street background: markers show where services are.',
  searching: 'Searching…',
  found: (n) => (n === 1 ? '1 service found.' : `${n} services found.`),
  found_none: 'No services found. Try a wider area, fewer choices, or other words.',
  more: 'More results',
  showing: (shown, total) => `Showing ${shown} of ${total}.`,
  away: (d) => `${d} away`,
  open_now: 'Open now',
  closed_now: 'Closed now',
  opens: (when) => `Opens ${when}`,
  open_until: (when) => `Open until ${when}`,
  open_24h: 'Open 24 hours',
  free: 'Free',
  call: (n) => `Call ${n}`,
  details: 'Details',
  ages: (lo, hi) => (lo != null && hi != null ? `Ages ${lo} to ${hi}` : lo != null ? `Ages ${lo} and up` : `Up to age ${hi}`),
  all_ages: 'All ages',

  service_title: 'Service',
  back_to_results: 'Back to results',
  about: 'What it is',
  who_for: 'Who it is for',
  cost: 'Cost',
  languages: 'Languages',
  hours: 'Hours',
  where_title: 'Where',
  how_to_get: 'How to get there',
  directions: 'Directions',
  directions_to: (a) => `Directions to ${a}`,
  phones: 'Phone',
  what_to_bring: 'What to bring',
  nothing_to_bring: 'Nothing listed. You can just come.',
  accessibility: 'Accessibility',
  contact: 'Contact',
  email: 'Email',
  website: 'Website',
  organization: 'Run by',
  categories: 'Kind of help',
  not_listed: 'Not listed',
  no_service: 'This service was not found. It may have been removed.',
  no_id: 'No service was chosen. Search for services first.',
  location_map: 'Map of this service\'s locations',
  virtual: 'By phone or online',

  safe_title: 'Safe places (Safe Youth Zones)',
  safe_intro: 'A Safe Youth Zone is a place such as a fire station, library or community center where any young person can walk in and ask for help. Trained staff will keep you safe and call people who can help. You will not get in trouble.',
  safe_how: 'Walk in and say "I need a safe place." You do not need ID or a reason.',
  safe_list: 'Safe places near you',
  safe_open_only: 'Open now only',
  safe_none: 'No safe places found here. Try a wider area or call the hotline above.',
  sites_found: (n) => (n === 1 ? '1 safe place found.' : `${n} safe places found.`),
  staff_contact: 'Staff contact',
  site_types: { fire_station: 'Fire station', library: 'Library', park: 'Park', clinic: 'Clinic', other: 'Safe place' },
  safe_map: 'Map of safe places',

  err_network: 'Could not reach the directory. Check your connection and try again.',
  err_near: 'We could not find that place. Try a ZIP code or a street address.',
  err_zip_area: 'That ZIP code has no area on our map (it may be P.O. boxes). Try an address or a nearby ZIP.',
  err_age: 'Enter an age from 0 to 120.',
  err_generic: 'Something went wrong. Try again.',
  err_radius: 'Choose a distance.',

  days: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  days_short: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
};

const es = {
  lang_name: 'Español',
  switch_to: 'English',
  skip: 'Ir al contenido principal',
  brand_sub: 'Buscar ayuda',
  quick_exit: 'Salida rápida',
  quick_exit_hint: 'Sale de este sitio de inmediato (o pulse Esc dos veces).',
  no_tracking: 'Este sitio no guarda sus búsquedas. Nada de lo que escribe queda guardado en este teléfono, salvo en la barra de direcciones.',
  footer: 'Directorio de servicios del Protocolo de Primera Respuesta del Condado de Los Ángeles. Los datos de esta versión de prueba son ficticios.',
  nav_find: 'Buscar servicios',
  nav_safe: 'Lugares seguros',
  nav_signin: 'Acceso del personal',
  emergency: '¿Está en peligro ahora? Llame al 911.',
  call_911: 'Llamar al 911',
  crisis: 'Hable con alguien, a cualquier hora, gratis y confidencial:',
  hotline_trafficking: 'Línea Nacional contra la Trata de Personas',
  hotline_trafficking_text: 'o envíe un texto al 233733',
  hotline_988: '988 Línea de Prevención del Suicidio y Crisis (llamada o texto)',

  find_title: 'Encuentre ayuda cerca de usted',
  find_intro: 'Ayuda gratis o de bajo costo para jóvenes: un lugar seguro para quedarse, comida, atención médica, alguien con quien hablar. No necesita iniciar sesión.',
  what: '¿Qué necesita?',
  what_hint: 'Por ejemplo: albergue, comida, clínica, consejería',
  where: '¿Dónde?',
  where_hint: 'Un código postal o una dirección',
  use_location: 'Usar mi ubicación',
  locating: 'Buscando su ubicación…',
  located: 'Usando su ubicación.',
  location_denied: 'Su ubicación no está disponible. Escriba un código postal.',
  within: 'A menos de',
  miles: (n) => `${n} ${n === 1 ? 'milla' : 'millas'}`,
  filters: 'Más opciones',
  open_now_filter: 'Abierto ahora',
  free_filter: 'Gratis',
  age: 'Su edad',
  age_hint: 'Muestra solo servicios para su edad',
  language: 'Idioma que hablan',
  any_language: 'Cualquier idioma',
  category: 'Tipo de ayuda',
  any_category: 'Cualquier tipo de ayuda',
  search: 'Buscar',
  clear: 'Borrar',
  results: 'Resultados',
  list_view: 'Lista',
  map_view: 'Mapa',
  map_label: 'Mapa de los resultados',
  map_no_tiles: 'Mapa sin fondo de calles: los marcadores muestran dónde están los servicios.',
  searching: 'Buscando…',
  found: (n) => (n === 1 ? 'Se encontró 1 servicio.' : `Se encontraron ${n} servicios.`),
  found_none: 'No se encontraron servicios. Pruebe un área más amplia, menos opciones u otras palabras.',
  more: 'Más resultados',
  showing: (shown, total) => `Mostrando ${shown} de ${total}.`,
  away: (d) => `a ${d}`,
  open_now: 'Abierto ahora',
  closed_now: 'Cerrado ahora',
  opens: (when) => `Abre ${when}`,
  open_until: (when) => `Abierto hasta ${when}`,
  open_24h: 'Abierto las 24 horas',
  free: 'Gratis',
  call: (n) => `Llamar al ${n}`,
  details: 'Detalles',
  ages: (lo, hi) => (lo != null && hi != null ? `De ${lo} a ${hi} años` : lo != null ? `Desde ${lo} años` : `Hasta ${hi} años`),
  all_ages: 'Todas las edades',

  service_title: 'Servicio',
  back_to_results: 'Volver a los resultados',
  about: 'Qué es',
  who_for: 'Para quién es',
  cost: 'Costo',
  languages: 'Idiomas',
  hours: 'Horario',
  where_title: 'Dónde',
  how_to_get: 'Cómo llegar',
  directions: 'Indicaciones',
  directions_to: (a) => `Indicaciones para llegar a ${a}`,
  phones: 'Teléfono',
  what_to_bring: 'Qué traer',
  nothing_to_bring: 'No se indica nada. Puede venir sin más.',
  accessibility: 'Accesibilidad',
  contact: 'Contacto',
  email: 'Correo electrónico',
  website: 'Sitio web',
  organization: 'A cargo de',
  categories: 'Tipo de ayuda',
  not_listed: 'No indicado',
  no_service: 'No se encontró este servicio. Puede que ya no exista.',
  no_id: 'No se eligió ningún servicio. Busque servicios primero.',
  location_map: 'Mapa de los lugares de este servicio',
  virtual: 'Por teléfono o en línea',

  safe_title: 'Lugares seguros (Safe Youth Zones)',
  safe_intro: 'Una Safe Youth Zone (zona segura para jóvenes) es un lugar como una estación de bomberos, una biblioteca o un centro comunitario donde cualquier joven puede entrar y pedir ayuda. El personal capacitado le protegerá y llamará a quienes pueden ayudar. No tendrá problemas.',
  safe_how: 'Entre y diga «Necesito un lugar seguro». No necesita identificación ni dar razones.',
  safe_list: 'Lugares seguros cerca de usted',
  safe_open_only: 'Solo abiertos ahora',
  safe_none: 'No se encontraron lugares seguros aquí. Pruebe un área más amplia o llame a la línea de ayuda de arriba.',
  sites_found: (n) => (n === 1 ? 'Se encontró 1 lugar seguro.' : `Se encontraron ${n} lugares seguros.`),
  staff_contact: 'Contacto del personal',
  site_types: { fire_station: 'Estación de bomberos', library: 'Biblioteca', park: 'Parque', clinic: 'Clínica', other: 'Lugar seguro' },
  safe_map: 'Mapa de lugares seguros',

  err_network: 'No se pudo conectar con el directorio. Revise su conexión e inténtelo de nuevo.',
  err_near: 'No encontramos ese lugar. Pruebe un código postal o una dirección.',
  err_zip_area: 'Ese código postal no tiene área en nuestro mapa (puede ser de apartados postales). Pruebe una dirección o un código postal cercano.',
  err_age: 'Escriba una edad de 0 a 120.',
  err_generic: 'Algo salió mal. Inténtelo de nuevo.',
  err_radius: 'Elija una distancia.',

  days: ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'],
  days_short: ['dom', 'lun', 'mar', 'mié', 'jue', 'vie', 'sáb'],
};

export const DICT = { en, es };

/*
 * Open Eligibility's category names (data/open-eligibility.csv) in Spanish,
 * for the "kind of help" list and a service's categories. A name not here
 * (a county's own 211 terms) stays as written.
 */
const ES_TERMS = {
  'Human Services': 'Servicios', 'Human Situations': 'Para quién',
  Emergency: 'Emergencia', Food: 'Comida', Housing: 'Vivienda', Goods: 'Artículos', Transit: 'Transporte',
  Health: 'Salud', Money: 'Dinero', Care: 'Cuidado', Education: 'Educación', Work: 'Trabajo', Legal: 'Legal',
  'Emergency Shelter': 'Refugio de emergencia', 'Emergency Food': 'Comida de emergencia', 'Immediate Safety': 'Seguridad inmediata',
  'Safe Housing': 'Vivienda segura', 'Help Escape Violence': 'Ayuda para escapar de la violencia',
  'Psychiatric Emergency Services': 'Emergencias psiquiátricas', 'Food Pantry': 'Despensa de alimentos', Meals: 'Comidas',
  'Help Find Housing': 'Ayuda para encontrar vivienda', 'Temporary Shelter': 'Refugio temporal',
  'Residential Housing': 'Vivienda de transición', Clothing: 'Ropa', 'Personal Care Items': 'Artículos de higiene',
  'Baby Supplies': 'Artículos para bebé', Phones: 'Teléfonos', 'Bus Passes': 'Pases de autobús',
  'Addiction & Recovery': 'Adicciones y recuperación', 'Dental Care': 'Cuidado dental', 'Medical Care': 'Atención médica',
  'Mental Health Care': 'Salud mental', Counseling: 'Consejería', 'Trauma Care': 'Atención del trauma',
  'Sexual & Reproductive Health': 'Salud sexual y reproductiva', 'Vision Care': 'Cuidado de la vista',
  'Government Benefits': 'Beneficios del gobierno', 'Navigating the System': 'Manejo de casos',
  'Support Network': 'Red de apoyo', 'Help Hotlines': 'Líneas de ayuda', Mentoring: 'Mentoría', 'Peer Support': 'Apoyo entre pares',
  'Support Groups': 'Grupos de apoyo', 'Help Find School': 'Ayuda para encontrar escuela', 'More Education': 'Más educación',
  'Skills & Training': 'Habilidades y capacitación', 'Help Find Work': 'Ayuda para encontrar trabajo',
  'Job Training': 'Capacitación laboral', 'Workplace Rights': 'Derechos laborales', 'Advocacy & Legal Aid': 'Defensa y ayuda legal',
  'Paperwork Help': 'Ayuda con documentos', Representation: 'Representación legal', Immigration: 'Inmigración',
  'Translation & Interpretation': 'Traducción e interpretación',
  'Age Group': 'Edad', Children: 'Niños', Teens: 'Adolescentes', 'Transition Age Youth': 'Jóvenes de 16 a 24',
  Adults: 'Adultos', 'Survivors of Abuse or Exploitation': 'Sobrevivientes de abuso o explotación',
  'Domestic Violence Survivors': 'Sobrevivientes de violencia doméstica', 'Sexual Assault Survivors': 'Sobrevivientes de agresión sexual',
  'Trafficking Survivors': 'Sobrevivientes de trata', Homeless: 'Sin hogar', 'Runaway Youth': 'Jóvenes que se fueron de casa',
  'Unaccompanied Youth': 'Jóvenes no acompañados', 'Foster Youth': 'Jóvenes en cuidado de crianza',
  'Justice-Involved': 'Con casos en la justicia', 'LGBTQ+': 'LGBTQ+', Immigrants: 'Inmigrantes',
  'Limited English': 'Poco inglés', 'Low-Income': 'Bajos ingresos', Parents: 'Padres', Pregnant: 'Embarazadas',
  'Teen Parents': 'Padres adolescentes', 'People with Disabilities': 'Personas con discapacidad',
  Uninsured: 'Sin seguro médico',
};

/** A category's name in the page's language (as written when unknown). */
export function termName(name) {
  return (lang === 'es' && ES_TERMS[name]) || name;
}


/* The page's language: ?lang=, else the browser's, else English. */
export function pickLang(search = location.search, browserLangs = navigator.languages || [navigator.language]) {
  const asked = new URLSearchParams(search).get('lang');
  if (asked && LANGS.includes(asked)) return asked;
  for (const l of browserLangs || []) {
    const base = String(l || '').toLowerCase().slice(0, 2);
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

export let lang = typeof location === 'undefined' ? 'en' : pickLang();

export function setLang(l) {
  lang = LANGS.includes(l) ? l : 'en';
  document.documentElement.lang = lang;
}

/* t('found', 3) -> "3 services found." */
export function t(key, ...args) {
  const v = DICT[lang][key] ?? DICT.en[key];
  if (v === undefined) return key;
  return typeof v === 'function' ? v(...args) : v;
}

/* Fills data-i18n and data-i18n-attr under ROOT. */
export function applyI18n(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.dataset.i18nAttr.split(/\s+/)) {
      const [attr, key] = pair.split(':');
      if (attr && key) node.setAttribute(attr, t(key));
    }
  }
}

/* 2.345 -> "2.3 mi" (en) or "2,3 mi" (es). */
export function fmtDistance(mi) {
  const n = Number(mi);
  if (!Number.isFinite(n)) return '';
  const digits = n < 10 ? 1 : 0;
  return new Intl.NumberFormat(lang === 'es' ? 'es-US' : 'en-US', {
    style: 'unit', unit: 'mile', unitDisplay: 'short',
    maximumFractionDigits: digits, minimumFractionDigits: digits,
  }).format(n);
}

export function fmtNumber(n) {
  return new Intl.NumberFormat(lang === 'es' ? 'es-US' : 'en-US').format(n);
}

/* "09:00" -> "9:00 AM" (en) / "9:00" (es, the 24-hour clock). */
export function fmtTime(hhmm) {
  const m = /^(\d{1,2}):(\d{2})/.exec(String(hhmm || ''));
  if (!m) return String(hhmm || '');
  const h = Number(m[1]);
  if (lang === 'es') return `${h}:${m[2]}`;
  const d = new Date(Date.UTC(2000, 0, 1, h % 24, Number(m[2])));
  return new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'UTC', hour12: true }).format(d);
}

const DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const EN_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/* "MO,TU" -> "Monday, Tuesday" in the page's language. */
export function fmtDays(byday) {
  const parts = String(byday || '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const names = parts.map((p) => {
    const i = DAY_CODES.indexOf(p.slice(-2));
    return i < 0 ? p : t('days')[i];
  });
  return new Intl.ListFormat(lang === 'es' ? 'es' : 'en', { style: 'short', type: 'conjunction' }).format(names);
}

/* "Mon 9:00" (the API's English day and 24-hour time) in the page's language. */
function fmtWhen(day, hhmm) {
  const d = day ? `${t('days_short')[EN_SHORT.indexOf(day)]} ` : '';
  return `${d}${fmtTime(hhmm)}`;
}

const WHEN = '(?:(Sun|Mon|Tue|Wed|Thu|Fri|Sat)\\w*\\s+)?(\\d{1,2}:\\d{2})';

/*
 * The API's hours in words ("Opens Mon 9:00", "Open until Sun 2:00",
 * "Open 24 hours") in the page's language; from next_open_at (RFC 3339)
 * when the API gives it. Other text is shown as written.
 */
export function fmtHoursWords(text, at) {
  if (at) {
    const d = new Date(at);
    if (!Number.isNaN(d.getTime())) {
      const f = new Intl.DateTimeFormat(lang === 'es' ? 'es-US' : 'en-US', {
        weekday: 'short', hour: 'numeric', minute: '2-digit', timeZone: 'America/Los_Angeles',
      });
      return t('opens', f.format(d));
    }
  }
  const s = String(text || '');
  if (/^Open 24 hours$/i.test(s)) return t('open_24h');
  let m = new RegExp(`^Opens\\s+${WHEN}`).exec(s);
  if (m) return t('opens', fmtWhen(m[1], m[2]));
  m = new RegExp(`^Open until\\s+${WHEN}`).exec(s);
  if (m) return t('open_until', fmtWhen(m[1], m[2]));
  return s;
}

/* When a closed service opens next, in the page's language. */
export function fmtNextOpen(service) {
  return fmtHoursWords(service.next_open, service.next_open_at);
}

/* The URL of this page in language L, keeping every other parameter. */
export function urlInLang(l, loc = location) {
  const p = new URLSearchParams(loc.search);
  p.set('lang', l);
  return `${loc.pathname}?${p.toString()}${loc.hash || ''}`;
}
