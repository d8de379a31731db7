/**
 * UUIDs (version 7, RFC 9562) that sort in the order they were made: 48 bits of Unix time in
 * milliseconds, a 12-bit counter for ids made in the same millisecond, then 62 random bits. A set
 * of listings created with them lands at the right-hand end of the primary key and of the
 * owner's created/updated indexes instead of at random places in them, which makes a large
 * insert cheaper.
 */
export function orderedIdMaker(): () => string {
  let last = 0;
  let counter = 0;
  return () => {
    const now = Date.now();
    if (now > last) {
      last = now;
      counter = 0;
    } else if (++counter > 0xfff) {
      // More than 4,096 ids in one millisecond: borrow the next one, keeping the order.
      last++;
      counter = 0;
    }
    const time = last.toString(16).padStart(12, "0");
    // The random part's fourth group already carries the RFC variant bits.
    const random = crypto.randomUUID();
    return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, "0")}${random.slice(18)}`;
  };
}
