/// A self-contained HTML page: its title, its style sheet and its body, scripts inline, nothing
/// fetched from elsewhere.
func htmlPage(title: String, style: String, body: String) -> String {
    """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(title)</title>
    <style>
    \(style)
    </style>
    </head>
    <body>
    \(body)
    </body>
    </html>
    """
}
