// Each processor module registers itself with registerProcessor when imported.
import "./imports";
import "./exports";
import "./search-index";
import "./ocr";
