#!/usr/bin/env bash
# Installs Debian's WordPress into a temporary directory (its own database on the MariaDB at
# 127.0.0.1:3306, root without password), makes content through WordPress's PHP API and writes
# the export WordPress's own exporter makes. Usage: make-export.sh OUT.xml
set -euo pipefail
out=${1:?usage: make-export.sh OUT.xml}
here=$(cd "$(dirname "$0")" && pwd)
wp=${WORDPRESS_DIR:-/usr/share/wordpress}
[ -f "$wp/wp-settings.php" ] || { echo "make-export: no WordPress at $wp (apt-get install wordpress)" >&2; exit 3; }
db="feder_wp_$$_$RANDOM"
tmp=$(mktemp -d)
mysql_() { mysql -h 127.0.0.1 -P 3306 -u root "$@"; }
cleanup() { mysql_ -e "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
mysql_ -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
mkdir -p "$tmp/wp-content/uploads"
cat > "$tmp/wp-config.php" <<PHP
<?php
define('DB_NAME', '$db');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '127.0.0.1:3306');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', 'https://alter-blog.example');
define('WP_SITEURL', 'https://alter-blog.example');
define('WP_CONTENT_DIR', '$tmp/wp-content');
define('WP_CONTENT_URL', 'https://alter-blog.example/wp-content');
define('UPLOADS', 'wp-content/uploads');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('ABSPATH', '$wp/');
\$table_prefix = 'wp_';
PHP
php -d display_errors=stderr -d error_reporting=E_ERROR "$here/make-export.php" "$tmp/wp-config.php" > "$tmp/export.xml"
mv "$tmp/export.xml" "$out"
