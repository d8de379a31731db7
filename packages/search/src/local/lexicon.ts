import { STOPWORDS, stem } from "./tokenize";

/**
 * Concepts for second-hand and retail marketplace goods. Each line is `concept: terms`; a term is a
 * word or a phrase (words joined by `_`). A term listed under several concepts maps to all of them
 * (iphone is both a phone and Apple). Kept small on purpose: it covers the words sellers and buyers
 * swap for each other, not a whole thesaurus.
 */
const LEXICON = `
phone: phone smartphone galaxy s20 s21 s22 s23 s24 s25 cellphone cell_phone mobile_phone mobile iphone android pixel galaxy_s galaxy_note galaxy_z oneplus motorola moto_g xperia handset unlocked_phone flip_phone
apple: apple iphone ipad macbook imac airpod airpods apple_watch mac_mini mac_pro ipod
samsung: samsung galaxy
google: google pixel chromecast nest
tablet: tablet ipad galaxy_tab kindle_fire surface_pro e_reader ereader kindle
laptop: laptop notebook macbook chromebook thinkpad ultrabook latitude inspiron xps zenbook vivobook ideapad pavilion_laptop gaming_laptop
computer: computer desktop pc gaming_pc tower imac mac_mini workstation all_in_one
monitor: monitor display screen lcd_monitor gaming_monitor ultrawide
tv: tv television smart_tv oled qled led_tv roku_tv hdtv tvs flatscreen flat_screen
console: console gaming_console game_console video_game_console playstation ps5 ps4 ps3 xbox xbox_one xbox_series nintendo nintendo_switch switch_oled switch_lite wii gamecube steam_deck
ps5: ps5 playstation_5 dualsense
ps4: ps4 playstation_4 dualshock
xbox: xbox xbox_one xbox_series
nintendo: nintendo nintendo_switch switch_oled switch_lite wii gamecube 3ds
video_game: video_game game cartridge ps5_game ps4_game xbox_game
audio: speaker speakers soundbar subwoofer headphone headphones earbud earbuds airpod airpods headset amplifier amp receiver stereo turntable record_player bluetooth_speaker
camera: camera dslr mirrorless gopro camcorder lens canon_eos nikon sony_alpha webcam
smartwatch: smartwatch apple_watch galaxy_watch fitbit garmin fitness_tracker
printer: printer scanner inkjet laser_printer 3d_printer
router: router modem wifi mesh_wifi access_point network_switch
storage: ssd hdd hard_drive external_drive flash_drive usb_drive memory_card sd_card nvme
gpu: gpu graphics_card video_card rtx gtx radeon geforce
phone_accessory: case phone_case screen_protector charger charging_cable cable power_bank charging_dock otterbox
battery: battery batteries accumulator accu lifepo4 lithium_battery agm deep_cycle marine_battery rv_battery car_battery power_cell 18650 lead_acid gel_battery
deep_cycle: deep_cycle lifepo4 agm marine_battery rv_battery trolling_motor_battery solar_battery house_battery
lithium: lithium li_ion lithium_ion lifepo4 lipo
solar: solar solar_panel pv photovoltaic panel monocrystalline polycrystalline charge_controller mppt pwm inverter solar_generator solar_kit
inverter: inverter pure_sine_wave sine_wave power_inverter inverter_charger
generator: generator portable_power_station power_station genset inverter_generator honda_eu2200i ecoflow jackery bluetti
sofa: sofa couch loveseat sectional settee futon chesterfield davenport divan sleeper_sofa sofa_bed recliner_sofa
chair: chair armchair recliner stool office_chair dining_chair rocking_chair gaming_chair accent_chair lounge_chair
table: table desk dining_table coffee_table end_table side_table nightstand console_table kitchen_table
bed: bed mattress bed_frame headboard bunk_bed crib daybed box_spring queen_bed king_bed twin_bed memory_foam
storage_furniture: dresser wardrobe armoire cabinet bookshelf bookcase shelf shelving chest_of_drawers sideboard buffet credenza tv_stand entertainment_center
furniture: furniture sofa couch chair table desk bed dresser cabinet bookshelf ottoman bench
lamp: lamp floor_lamp table_lamp lighting chandelier pendant_light
rug: rug carpet runner area_rug
fridge: fridge refrigerator freezer mini_fridge chest_freezer icebox
washer: washer washing_machine dryer laundry front_load top_load
kitchen_appliance: microwave oven stove range cooktop dishwasher toaster blender mixer kitchenaid air_fryer instant_pot pressure_cooker slow_cooker crockpot coffee_maker espresso_machine keurig nespresso kettle food_processor juicer
cookware: cookware pan pot skillet dutch_oven cast_iron knife_set cutlery dinnerware dish plate bowl
vacuum: vacuum vacuum_cleaner dyson roomba shop_vac hoover robot_vacuum
hvac: air_conditioner ac_unit window_unit heater space_heater fan ceiling_fan dehumidifier humidifier air_purifier heat_pump
bicycle: bicycle bike ebike e_bike electric_bike mountain_bike road_bike bmx cruiser_bike hybrid_bike gravel_bike fixie tricycle trek specialized cannondale
scooter: scooter e_scooter electric_scooter moped vespa kick_scooter segway
motorcycle: motorcycle motorbike dirt_bike harley yamaha_r6 sportbike atv quad utv side_by_side
car: car vehicle sedan suv truck pickup_truck coupe hatchback minivan van jeep convertible wagon auto automobile
car_part: tire tires wheel rim rims brake rotor alternator starter radiator bumper headlight taillight muffler exhaust spark_plug engine transmission car_part auto_part
boat: boat kayak canoe paddle_board sup jet_ski pontoon dinghy trolling_motor outboard
rv: rv camper trailer travel_trailer motorhome fifth_wheel caravan
tool: tool drill impact_driver saw circular_saw miter_saw table_saw jigsaw sander grinder router_tool wrench socket_set toolbox tool_set dewalt milwaukee makita ryobi craftsman bosch
power_tool: drill impact_driver circular_saw miter_saw table_saw jigsaw sander grinder nail_gun cordless
mower: lawn_mower mower lawnmower riding_mower lawn_tractor push_mower
lawn: lawn_mower mower lawnmower riding_mower weed_eater string_trimmer trimmer leaf_blower blower edger chainsaw hedge_trimmer snow_blower snowblower
pressure_washer: pressure_washer power_washer
grill: grill bbq barbecue smoker traeger weber griddle blackstone fire_pit
garden: garden planter plant pot hose sprinkler shed greenhouse patio outdoor_furniture patio_set
fitness: treadmill exercise_bike elliptical rowing_machine rower dumbbell dumbbells kettlebell barbell bench_press home_gym peloton yoga_mat squat_rack
sport: golf golf_club golf_clubs tennis racket baseball softball football soccer basketball hockey ski skis snowboard skateboard surfboard
camping: tent sleeping_bag camping backpack cooler hiking camp_stove
fishing: fishing fishing_rod rod reel tackle lure
music_instrument: guitar electric_guitar acoustic_guitar bass_guitar piano keyboard digital_piano drum drums drum_set violin ukulele saxophone trumpet fender gibson yamaha_piano
baby: baby stroller car_seat crib high_chair bassinet baby_monitor playpen pack_n_play diaper
toy: toy toys lego legos doll action_figure puzzle board_game rc_car drone nerf
clothing: clothing clothes shirt tshirt t_shirt jacket coat hoodie sweater dress jeans pants shorts skirt suit
shoes: shoe shoes sneaker sneakers boot boots heels sandals trainers nike jordan adidas
bag: bag handbag purse backpack wallet tote luggage suitcase
jewelry: jewelry jewellery ring necklace bracelet earring earrings pendant gold silver diamond
watch: watch wristwatch rolex omega seiko casio timex
pet: pet dog cat dog_crate crate kennel cat_tree litter_box aquarium fish_tank leash dog_bed
book: book books novel textbook hardcover paperback
art: painting print poster canvas picture_frame wall_art sculpture
sewing: sewing_machine serger embroidery_machine
security: security_camera doorbell ring_doorbell smart_lock alarm safe
`;

/** The lexicon indexed for lookup. */
export interface Lexicon {
  /** Single token → concept ids. */
  words: ReadonlyMap<string, readonly string[]>;
  /** Space-joined token sequence (2 or 3 tokens) → concept ids. */
  phrases: ReadonlyMap<string, readonly string[]>;
  /** Deletion variants of long single words, for typo lookup: variant → words. */
  deletions: ReadonlyMap<string, readonly string[]>;
}

function add(map: Map<string, string[]>, key: string, concept: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [concept]);
  else if (!list.includes(concept)) list.push(concept);
}

/** Every string obtained by deleting one character from `word`. */
export function deletions1(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** Deletion variants used for typo lookup: one deletion, two for words of 7+ letters. */
export function deletionVariants(word: string): string[] {
  const one = deletions1(word);
  if (word.length < 7) return one;
  const all = new Set(one);
  for (const d of one) for (const dd of deletions1(d)) all.add(dd);
  return [...all];
}

/** Minimum word length for typo-tolerant concept lookup; shorter words collide too often. */
export const FUZZY_MIN_LENGTH = 5;

function build(): Lexicon {
  const words = new Map<string, string[]>();
  const phrases = new Map<string, string[]>();
  for (const line of LEXICON.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const concept = line.slice(0, colon).trim();
    for (const term of line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)) {
      const parts = term
        .split("_")
        .filter((p) => p.length > 0 && !STOPWORDS.has(p))
        .map(stem);
      if (parts.length === 1 && parts[0]) add(words, parts[0], concept);
      else if (parts.length > 1) add(phrases, parts.join(" "), concept);
    }
  }
  const deletions = new Map<string, string[]>();
  for (const word of words.keys()) {
    if (word.length < FUZZY_MIN_LENGTH || /\d/.test(word)) continue;
    for (const d of deletionVariants(word)) add(deletions, d, word);
  }
  return { words, phrases, deletions };
}

/** The built-in marketplace lexicon (built once, on first use). */
let cached: Lexicon | undefined;
/** Returns the built-in marketplace lexicon. */
export function lexicon(): Lexicon {
  cached ??= build();
  return cached;
}

/** Damerau-Levenshtein distance capped at `max + 1` (enough to decide "within max"). */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        (d[(i - 1) * cols + j] ?? 0) + 1,
        (d[i * cols + j - 1] ?? 0) + 1,
        (d[(i - 1) * cols + j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1] ?? max + 1;
}

/**
 * Lexicon words within a small edit distance of an unknown word ("bycicle" → "bicycle"): one edit
 * for words of 5-6 letters, two from 7 letters. Symmetric deletion variants find the candidates,
 * an exact distance check keeps only real matches.
 */
export function fuzzyWords(word: string, lex: Lexicon): string[] {
  if (word.length < FUZZY_MIN_LENGTH || /\d/.test(word) || lex.words.has(word)) return [];
  const max = word.length >= 7 ? 2 : 1;
  const candidates = new Set<string>();
  for (const w of lex.deletions.get(word) ?? []) candidates.add(w);
  for (const d of deletionVariants(word)) {
    if (lex.words.has(d)) candidates.add(d);
    for (const w of lex.deletions.get(d) ?? []) candidates.add(w);
  }
  return [...candidates].filter((c) => editDistance(word, c, max) <= max);
}
