/// The style sheet every report page carries inline (no network: the page is one file).
enum ReportStyle {
    static let css = """
        body { font: 14px/1.4 system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
        header { background: #22313f; color: #fff; padding: 12px 20px; }
        header h1 { font-size: 18px; margin: 0; }
        header p { margin: 4px 0 0; opacity: .85; }
        main { display: flex; flex-direction: column; gap: 16px; padding: 16px 20px; }
        section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px 16px; }
        h2 { font-size: 16px; margin: 0 0 8px; }
        h3 { font-size: 14px; margin: 0 0 6px; }
        table { border-collapse: collapse; }
        td, th { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
        .caveat { background: #fff4d6; border: 1px solid #e7c766; padding: 6px 10px; border-radius: 4px; }
        .partial { background: #fde2e1; border-color: #e5a3a0; }
        .timeline svg { width: 100%; height: auto; display: block; }
        .timeline .score { fill: none; stroke: #1f6fb4; stroke-width: 1.2; }
        .timeline .threshold { fill: none; stroke: #c0392b; stroke-width: 1.2; stroke-dasharray: 5 3; }
        .timeline rect.event { fill-opacity: .28; stroke-width: 1; }
        .timeline rect.micro { fill: #e67e22; stroke: #e67e22; }
        .timeline rect.macro { fill: #8e44ad; stroke: #8e44ad; }
        .timeline rect.speech { fill: #16a085; fill-opacity: .55; }
        .timeline rect.head-motion { fill: #7f8c8d; fill-opacity: .55; }
        .timeline rect.gap { fill: url(#hatch); }
        .timeline rect.undetected { fill: #bdc3c7; fill-opacity: .35; }
        .timeline text { font-size: 11px; fill: #444; }
        .timeline .axis { stroke: #999; stroke-width: 1; }
        .legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
        .legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: middle; }
        .event-card { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
        figure { margin: 0; text-align: center; }
        figure img { width: 128px; height: 128px; image-rendering: auto; display: block; border: 1px solid #ccc; }
        figcaption { font-size: 12px; color: #555; max-width: 150px; }
        .bars { min-width: 220px; }
        .bar { display: flex; align-items: center; gap: 6px; margin: 2px 0; font-size: 12px; }
        .bar .name { width: 70px; }
        .bar .track { background: #eee; width: 140px; height: 10px; position: relative; }
        .bar .fill { background: #1f6fb4; height: 10px; }
        .bar.top .fill { background: #e67e22; }
        video { max-width: 320px; max-height: 180px; display: block; }
        .muted { color: #777; }
        """
}
