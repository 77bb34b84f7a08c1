<?php
// Builds a WordPress site through WordPress's own PHP API and prints its export (WXR) made by
// WordPress's own exporter. Run by make-export.sh, which writes wp-config.php beside this run.
// Usage: php make-export.php CONFIG.php > export.xml
//
// The content is what a German blog that moves to Feder has: both editors, every status,
// pages (Impressum, Über mich), a password-protected post, shortcodes, embeds, a featured
// image, threaded and anonymous comments, a pingback, colliding slugs, Europe/Berlin.

if ($argc < 2) {
    fwrite(STDERR, "usage: php make-export.php CONFIG.php\n");
    exit(2);
}
$_SERVER['HTTP_HOST'] = 'alter-blog.example';
$_SERVER['SERVER_NAME'] = 'alter-blog.example';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
define('WP_INSTALLING', true);
// No mail server here: WordPress's pluggable mail function, replaced before it is loaded.
function wp_mail() { return true; }
require $argv[1];
require ABSPATH . 'wp-settings.php';
// German, as a German install is (its translation files are not installed here): slugs get
// German transliteration (ü → ue, ß → ss) and the export says de-DE.
add_filter('locale', function () { return 'de_DE'; });
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/file.php';
require_once ABSPATH . 'wp-admin/includes/media.php';
require_once ABSPATH . 'wp-admin/includes/export.php';

function fail($what) {
    fwrite(STDERR, "make-export: $what\n");
    exit(1);
}
function check($result, $what) {
    if (is_wp_error($result) || !$result) {
        fail($what . ': ' . (is_wp_error($result) ? $result->get_error_message() : 'failed'));
    }
    return $result;
}

$installed = wp_install('Mein Blog über Köln', 'jörg', 'joerg@alter-blog.example', true, '', 'geheim-123', 'de_DE');
check($installed['user_id'] ?? 0, 'wp_install');
$jorg = $installed['user_id'];
update_option('WPLANG', 'de_DE');
update_option('timezone_string', 'Europe/Berlin');
update_option('gmt_offset', '');
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%year%/%monthnum%/%day%/%postname%/');
$wp_rewrite->flush_rules(false);
update_option('blogdescription', 'Notizen & Bilder aus dem Rheinland');
// A German install names its default category "Allgemein" (the translation files are not
// installed here, so the name is set as the translation would).
wp_update_term((int) get_option('default_category'), 'category', ['name' => 'Allgemein', 'slug' => 'allgemein']);
wp_update_user(['ID' => $jorg, 'display_name' => 'Jörg Müller', 'first_name' => 'Jörg', 'last_name' => 'Müller']);
$zoe = check(wp_insert_user([
    'user_login' => 'zoe', 'user_pass' => 'geheim-456', 'user_email' => 'zoe@alter-blog.example',
    'display_name' => 'Zoë Åkesson', 'role' => 'author',
]), 'zoe');
$reisen = check(wp_insert_term('Reisen', 'category', ['slug' => 'reisen']), 'category')['term_id'];

// Dates are given as the blog's local time (Europe/Berlin), as the editor does.
function post($fields) {
    global $jorg;
    $fields += ['post_author' => $jorg, 'post_status' => 'publish', 'post_type' => 'post'];
    if (isset($fields['post_date']) && !isset($fields['post_date_gmt']) && $fields['post_status'] !== 'draft' && $fields['post_status'] !== 'pending') {
        $fields['post_date_gmt'] = get_gmt_from_date($fields['post_date']);
    }
    return check(wp_insert_post(wp_slash($fields), true), 'post ' . ($fields['post_title'] ?? ''));
}

// An image of the blog's own, uploaded as WordPress does (resized copies included).
$image = imagecreatetruecolor(1600, 900);
imagefill($image, 0, 0, imagecolorallocate($image, 40, 90, 160));
$tmp = wp_tempnam('dom.jpg');
imagejpeg($image, $tmp, 80);
$upload_dir = wp_upload_dir('2024/01');

// 1. Block editor, published just after midnight in Berlin on 1 January 2024 (still 2023 in UTC).
$koeln = post([
    'post_title' => 'Grüße aus Köln',
    'post_name' => 'grüße-aus-köln',
    'post_date' => '2024-01-01 00:30:00',
    'post_category' => [$reisen],
    'tags_input' => ['Köln', 'Winter'],
    'post_content' => '',
]);
$_POST = [];
$file = ['name' => 'dom.jpg', 'tmp_name' => $tmp];
$attachment = check(media_handle_sideload($file, $koeln, 'Der Dom', ['post_date' => '2024-01-01 00:20:00']), 'sideload');
update_post_meta($attachment, '_wp_attachment_image_alt', 'Der Kölner Dom im Nebel');
set_post_thumbnail($koeln, $attachment);
$full = wp_get_attachment_url($attachment);
$medium = wp_get_attachment_image_src($attachment, 'medium')[0];
$koeln_link = get_permalink($koeln);
$blocks = <<<HTML
<!-- wp:paragraph -->
<p>Ein Spaziergang am Rhein – „schön“ &amp; kalt. Danach gab es <em>Kölsch</em>.</p>
<!-- /wp:paragraph -->

<!-- wp:image {"id":$attachment,"sizeSlug":"medium","linkDestination":"media"} -->
<figure class="wp-block-image size-medium"><a href="$full"><img src="$medium" alt="Der Dom im Nebel" class="wp-image-$attachment"/></a><figcaption class="wp-element-caption">Der Dom, vom Rheinufer aus</figcaption></figure>
<!-- /wp:image -->

<!-- wp:more -->
<!--more-->
<!-- /wp:more -->

<!-- wp:embed {"url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","type":"video","providerNameSlug":"youtube","responsive":true,"className":"wp-embed-aspect-16-9 wp-has-aspect-ratio"} -->
<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube wp-embed-aspect-16-9 wp-has-aspect-ratio"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=dQw4w9WgXcQ
</div></figure>
<!-- /wp:embed -->

<!-- wp:paragraph -->
<p>Mehr Bilder: <a href="$full">das große Bild</a>.</p>
<!-- /wp:paragraph -->
HTML;
check(wp_update_post(wp_slash(['ID' => $koeln, 'post_content' => $blocks]), true), 'blocks');

// 2. Classic editor: bare text with line breaks and shortcodes; its first line is a caption.
$classic = <<<TEXT
[caption id="attachment_$attachment" align="alignnone" width="300"]<img class="size-medium wp-image-$attachment" src="$medium" alt="Dom bei Nacht" width="300" height="169" /> Der Dom bei Nacht[/caption]
Ein klassischer Beitrag über die Straßenbahn.
Die zweite Zeile bleibt eine eigene Zeile.

Ein neuer Absatz, mit einem Link zum <a href="$koeln_link">Kölner Beitrag</a>.

[gallery ids="$attachment"]

[embed]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/embed]

[video src="{$upload_dir['url']}/film.mp4"]

[audio src="{$upload_dir['url']}/ton.mp3"]
TEXT;
$tram = post([
    'post_title' => 'Über Straßenbahnen',
    'post_date' => '2023-06-15 18:00:00',
    'post_author' => $zoe,
    'post_content' => $classic,
    'tags_input' => ['Tōkyō'],
]);

// 3. Slugs that collide: drafts have no slug yet, so theirs come from the same title; a
// Japanese slug stays percent-encoded.
post(['post_title' => 'Notizen', 'post_date' => '2023-03-01 12:00:00', 'post_content' => 'Erste Notizen.']);
post(['post_title' => 'Notizen', 'post_status' => 'draft', 'post_content' => 'Zweite Notizen.']);
post(['post_title' => 'Notizen', 'post_status' => 'draft', 'post_content' => 'Dritte Notizen.']);
post(['post_title' => '東京の路面電車', 'post_date' => '2023-03-02 12:00:00', 'post_content' => 'Die Toden-Arakawa-Linie (都電荒川線) fährt seit 1913.', 'post_author' => $zoe]);

// 4. Every other status.
post(['post_title' => 'Entwurf mit Datum', 'post_status' => 'draft', 'post_date' => '2030-05-01 10:00:00', 'post_date_gmt' => '0000-00-00 00:00:00', 'post_content' => 'Noch nicht fertig.']);
post(['post_title' => 'Entwurf ohne Datum', 'post_status' => 'draft', 'post_content' => 'Auch nicht.']);
post(['post_title' => 'Zur Prüfung', 'post_status' => 'pending', 'post_content' => 'Wartet auf Prüfung.']);
post(['post_title' => 'Geplant', 'post_status' => 'future', 'post_date' => '2030-01-01 09:00:00', 'post_content' => 'Kommt 2030.']);
post(['post_title' => 'Privat', 'post_status' => 'private', 'post_date' => '2023-04-01 12:00:00', 'post_content' => 'Nur für mich.']);
post(['post_title' => 'Mit Passwort', 'post_password' => 'geheim', 'post_date' => '2023-05-01 12:00:00', 'post_content' => 'Streng geheimer Inhalt.']);
$trashed = post(['post_title' => 'Weggeworfen', 'post_date' => '2023-02-01 12:00:00', 'post_content' => 'Papierkorb.']);
wp_trash_post($trashed);
post(['post_title' => 'Nur Allgemein', 'post_date' => '2023-01-10 12:00:00', 'post_content' => "Ein Beitrag ohne Kategorie.\n\nZweiter Absatz."]);

// 5. Pages.
$impressum = post(['post_type' => 'page', 'post_title' => 'Impressum', 'post_name' => 'impressum', 'post_date' => '2022-01-01 12:00:00', 'post_content' => "<!-- wp:paragraph -->\n<p>Angaben gemäß § 5 TMG: Jörg Müller, Domstraße 1, 50667 Köln.</p>\n<!-- /wp:paragraph -->"]);
$about = post(['post_type' => 'page', 'post_title' => 'Über mich', 'post_name' => 'über-mich', 'post_date' => '2022-01-02 12:00:00', 'post_content' => "Ich schreibe über Köln.\nUnd über Straßenbahnen."]);
post(['post_type' => 'page', 'post_title' => 'Kontakt', 'post_name' => 'kontakt', 'post_parent' => $about, 'post_date' => '2022-01-03 12:00:00', 'post_content' => 'Schreib mir.']);
post(['post_type' => 'page', 'post_title' => 'Entwurfsseite', 'post_status' => 'draft', 'post_content' => 'Nicht öffentlich.']);

// 6. Comments: threaded, anonymous, the author's own reply, a pingback, one waiting, spam.
function comment($post, $fields) {
    $fields += ['comment_post_ID' => $post, 'comment_approved' => 1, 'comment_type' => 'comment', 'comment_author_email' => '', 'comment_author_url' => ''];
    return check(wp_insert_comment(wp_slash($fields)), 'comment');
}
$first = comment($koeln, ['comment_author' => 'Zoë', 'comment_author_url' => 'https://zoe.example', 'comment_date' => '2024-01-01 10:00:00', 'comment_content' => "Wie schön! 👍\nGrüße aus Malmö."]);
$reply = comment($koeln, ['comment_author' => 'Jörg Müller', 'user_id' => $jorg, 'comment_parent' => $first, 'comment_date' => '2024-01-01 11:00:00', 'comment_content' => 'Danke, Zoë!']);
comment($koeln, ['comment_author' => 'Zoë', 'comment_parent' => $reply, 'comment_date' => '2024-01-01 12:00:00', 'comment_content' => 'Gern geschehen.']);
comment($koeln, ['comment_author' => '', 'comment_date' => '2024-01-02 09:00:00', 'comment_content' => 'Anonym, aber nett.']);
comment($koeln, ['comment_author' => 'Anderer Blog', 'comment_author_url' => 'https://anderer-blog.example/2024/01/koeln/', 'comment_type' => 'pingback', 'comment_date' => '2024-01-03 09:00:00', 'comment_content' => '[…] schöner Beitrag über Köln […]']);
comment($koeln, ['comment_author' => 'Wartend', 'comment_approved' => 0, 'comment_date' => '2024-01-04 09:00:00', 'comment_content' => 'Noch nicht freigegeben.']);
comment($koeln, ['comment_author' => 'Cheap Pills', 'comment_approved' => 'spam', 'comment_date' => '2024-01-04 10:00:00', 'comment_content' => 'Buy now']);
comment($tram, ['comment_author' => 'Hans', 'comment_date' => '2023-06-16 08:00:00', 'comment_content' => 'Tolle Bahn.']);

ob_start();
export_wp(['content' => 'all']);
$xml = ob_get_clean();
if (strpos($xml, '<wp:wxr_version>') === false) {
    fail('the exporter wrote no WXR');
}
echo $xml;
