import FoundationEssentials
import Pipeline

/// `index.html`: one card per input with its thumbnail, size, camera, date, status and, for a
/// rejected or failed input, the reason. Everything taken from an input is HTML-escaped.
enum ContactSheet {
    static func write(_ results: [ProcessResult], to path: String) throws {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Darkroom contact sheet</title>
            <style>
            body{font:14px system-ui,sans-serif;margin:2em;background:#f4f4f4}
            .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:1em}
            .card{background:#fff;border-radius:6px;padding:.8em;box-shadow:0 1px 3px #0002}
            .card img{width:100%;height:200px;object-fit:contain;background:#eee}
            .none{height:200px;display:flex;align-items:center;justify-content:center;background:#eee;color:#999}
            .COMPLETED{color:#080}.REJECTED{color:#b60}.FAILED{color:#c00}
            dt{float:left;clear:left;width:5em;color:#777}dd{margin-left:5.5em}
            </style></head><body>
            <h1>Darkroom contact sheet</h1>
            <p>\(results.count) input(s), made \(escape(Timestamp.string(Date())))</p>
            <div class="grid">

            """
        for result in results {
            html += card(result, relativeTo: path)
        }
        html += "</div></body></html>\n"
        try LocalObjectStore.writeAtomically([UInt8](html.utf8), to: path)
    }

    private static func card(_ result: ProcessResult, relativeTo path: String) -> String {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) + "/"
        let thumbnail = result.variants.first { $0.name == "medium" } ?? result.variants.min { $0.width < $1.width }
        var card = "<div class=\"card\">"
        if let thumbnail {
            let relative =
                thumbnail.path.hasPrefix(folder) ? String(thumbnail.path.dropFirst(folder.count)) : thumbnail.path
            card += "<img loading=\"lazy\" src=\"\(escape(relative))\" alt=\"\">"
        } else {
            card += "<div class=\"none\">no preview</div>"
        }
        let name = result.input.split(separator: "/").last.map(String.init) ?? result.input
        card += "<h3>\(escape(name))</h3><dl>"
        card += "<dt>status</dt><dd class=\"\(result.status.rawValue)\">\(result.status.rawValue)</dd>"
        if let reason = result.reason {
            card += "<dt>reason</dt><dd>\(escape(reason)): \(escape(result.detail ?? ""))</dd>"
        } else if let cause = result.cause {
            card += "<dt>cause</dt><dd>\(escape(cause)): \(escape(result.detail ?? ""))</dd>"
        }
        if let metadata = result.metadata {
            card += "<dt>size</dt><dd>\(metadata.width) x \(metadata.height) \(escape(metadata.format))</dd>"
            let camera = [metadata.make, metadata.model].compactMap { $0 }.joined(separator: " ")
            if !camera.isEmpty { card += "<dt>camera</dt><dd>\(escape(camera))</dd>" }
            if let taken = metadata.takenAt { card += "<dt>taken</dt><dd>\(escape(taken))</dd>" }
        }
        if result.unchanged { card += "<dt>run</dt><dd>unchanged, skipped</dd>" }
        return card + "</dl></div>\n"
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
