/** Axis-aligned rectangle in page pixels (origin top-left), matching the page's imagePng. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One recognised (or text-layer) word with its position and confidence in 0..1. */
export interface Word {
  text: string;
  confidence: number;
  box: Box;
}

/** Progress callback payload; `page` is 1-based, 0 before any page is known. */
export interface ScanProgress {
  page: number;
  pages: number;
  stage: "sniff" | "decode" | "text-layer" | "render" | "ocr" | "extract" | "done";
}
