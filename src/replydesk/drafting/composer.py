"""The offline composer: a house-style draft from templates and the review's own details,
for a workspace with no model configured. Drafts it writes are marked "offline".

It quotes the reviewer's own words for the problem (never a sentence that carries markup,
escapes or instructions aimed at a model), greets them by name when the name looks like
one, says truthfully whether a known issue is being fixed or already fixed, offers the
first bonus of the catalogue to criticism, and ends with a question (house style W6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from replydesk.config import KnownIssue
from replydesk.domain.models import Review
from replydesk.domain.text import fold, visible_controls
from replydesk.sources.base import ReplyLimit
from replydesk.style.linter import INSTRUCTION, MARKUP

T = dict[str, str]

HELLO: T = {
    "en": "{name}, ",
    "ru": "{name}, ",
    "es": "{name}, ",
    "el": "{name}, ",
    "de": "{name}, ",
    "fr": "{name}, ",
}
ISSUE: T = {
    "en": "I'm sorry about what you describe (“{quote}”), and thank you for taking the time "
    "to tell us: reports like yours are how we find and fix problems. ",
    "ru": "простите нас за то, что вы описали («{quote}»), и спасибо, что нашли время "
    "написать: именно такие отзывы помогают нам находить и исправлять ошибки. ",
    "es": "sentimos mucho lo que nos cuentas («{quote}») y gracias por tomarte el tiempo de "
    "escribirnos: opiniones como la tuya nos ayudan a encontrar y corregir fallos. ",
    "el": "λυπούμαστε πολύ για αυτό που περιγράφετε («{quote}») και σας ευχαριστούμε που "
    "βρήκατε χρόνο να μας γράψετε: τέτοιες αναφορές μάς βοηθούν να διορθώνουμε "
    "προβλήματα. ",
    "de": "es tut uns leid, was Sie beschreiben („{quote}“), und danke, dass Sie sich die "
    "Zeit genommen haben: Berichte wie Ihrer helfen uns, Fehler zu finden und zu "
    "beheben. ",
    "fr": "nous sommes désolés de ce que vous décrivez (« {quote} ») et merci d'avoir pris "
    "le temps de nous l'écrire : ce genre de retour nous aide à corriger les "
    "problèmes. ",
}
ISSUE_NOQUOTE: T = {
    "en": "I'm sorry about the trouble you ran into, and thank you for taking the time to "
    "tell us: reports like yours are how we find and fix problems. ",
    "ru": "простите нас за эти неудобства, и спасибо, что нашли время написать: именно "
    "такие отзывы помогают нам находить и исправлять ошибки. ",
    "es": "sentimos mucho las molestias y gracias por tomarte el tiempo de escribirnos: "
    "opiniones como la tuya nos ayudan a encontrar y corregir fallos. ",
    "el": "λυπούμαστε πολύ για την ταλαιπωρία και σας ευχαριστούμε που μας γράψατε: τέτοιες "
    "αναφορές μάς βοηθούν να διορθώνουμε προβλήματα. ",
    "de": "es tut uns leid, dass Sie Ärger hatten, und danke, dass Sie uns geschrieben "
    "haben: Berichte wie Ihrer helfen uns, Fehler zu beheben. ",
    "fr": "nous sommes désolés pour ce désagrément et merci de nous l'avoir écrit : ce "
    "genre de retour nous aide à corriger les problèmes. ",
}
SHORT: T = {
    "en": "I'm sorry about this, and thank you for telling us. ",
    "ru": "простите нас, и спасибо, что написали. ",
    "es": "lo sentimos mucho y gracias por contárnoslo. ",
    "el": "λυπούμαστε πολύ και σας ευχαριστούμε που μας το είπατε. ",
    "de": "es tut uns leid, und danke für Ihren Hinweis. ",
    "fr": "nous sommes désolés et merci de nous l'avoir signalé. ",
}
FIXED: T = {
    "en": "Good news: this is fixed in version {version}, so updating should solve it. ",
    "ru": "Хорошая новость: это исправлено в версии {version}, обновление должно помочь. ",
    "es": "Buenas noticias: está corregido en la versión {version}; al actualizar debería "
    "resolverse. ",
    "el": "Καλά νέα: αυτό διορθώθηκε στην έκδοση {version}, οπότε μια ενημέρωση θα το λύσει. ",
    "de": "Gute Nachricht: Das ist in Version {version} behoben, ein Update sollte helfen. ",
    "fr": "Bonne nouvelle : c'est corrigé dans la version {version}, la mise à jour devrait "
    "régler le problème. ",
}
FIXING: T = {
    "en": "Our team already knows about this and is working on a fix. ",
    "ru": "Наша команда уже знает об этой проблеме и работает над исправлением. ",
    "es": "Nuestro equipo ya conoce el problema y está trabajando en la solución. ",
    "el": "Η ομάδα μας το γνωρίζει ήδη και δουλεύει πάνω στη διόρθωση. ",
    "de": "Unser Team kennt das Problem bereits und arbeitet an einer Lösung. ",
    "fr": "Notre équipe connaît déjà ce problème et travaille à le corriger. ",
}
LOOKING: T = {
    "en": "We are looking into it now. ",
    "ru": "Мы уже разбираемся. ",
    "es": "Ya lo estamos revisando. ",
    "el": "Το ελέγχουμε ήδη. ",
    "de": "Wir prüfen das gerade. ",
    "fr": "Nous regardons cela dès maintenant. ",
}
BONUS: T = {
    "en": "As a small thank-you, we would like to offer you {bonus}. ",
    "ru": "В знак благодарности мы хотим предложить вам {bonus}. ",
    "es": "Como pequeño agradecimiento, nos gustaría ofrecerte {bonus}. ",
    "el": "Ως μικρή ευχαριστία, θα θέλαμε να σας προσφέρουμε {bonus}. ",
    "de": "Als kleines Dankeschön möchten wir Ihnen {bonus} anbieten. ",
    "fr": "Pour vous remercier, nous aimerions vous offrir {bonus}. ",
}
ASK_DETAILS: T = {
    "en": "Could you reply with your order number or app version, so we can follow it up "
    "with you directly?",
    "ru": "Не могли бы вы прислать номер заказа или версию приложения, чтобы мы "
    "разобрались лично с вашим случаем?",
    "es": "¿Podrías enviarnos el número de pedido o la versión de la app para seguirlo "
    "contigo directamente?",
    "el": "Θα μπορούσατε να μας στείλετε τον αριθμό παραγγελίας ή την έκδοση της εφαρμογής, "
    "ώστε να το παρακολουθήσουμε μαζί σας;",
    "de": "Könnten Sie uns Ihre Sendungsnummer oder App-Version schicken, damit wir das "
    "direkt mit Ihnen klären?",
    "fr": "Pourriez-vous nous envoyer votre numéro de commande ou la version de l'appli, "
    "pour que nous suivions cela avec vous ?",
}
VAGUE: T = {
    "en": "I'm sorry we let you down, and thank you for telling us. Could you tell us a "
    "little more about what happened, for example which order or which part of the "
    "app? Then we can put it right.",
    "ru": "простите, что мы вас разочаровали, и спасибо, что написали. Расскажите, "
    "пожалуйста, что именно произошло: какой заказ или какая часть приложения? Тогда "
    "мы сможем всё исправить.",
    "es": "sentimos haberte decepcionado y gracias por decírnoslo. ¿Podrías contarnos un "
    "poco más sobre lo que pasó, por ejemplo qué pedido o qué parte de la app? Así "
    "podremos solucionarlo.",
    "el": "λυπούμαστε που σας απογοητεύσαμε και σας ευχαριστούμε που μας το είπατε. Θα "
    "μπορούσατε να μας πείτε λίγο περισσότερα για το τι συνέβη, για παράδειγμα ποια "
    "παραγγελία ή ποιο σημείο της εφαρμογής; Έτσι θα το διορθώσουμε.",
    "de": "es tut uns leid, dass wir Sie enttäuscht haben, und danke für Ihre Nachricht. "
    "Könnten Sie uns etwas mehr erzählen, zum Beispiel welche Bestellung oder welcher "
    "Teil der App betroffen war? Dann können wir es in Ordnung bringen.",
    "fr": "nous sommes désolés de vous avoir déçu et merci de nous l'avoir dit. Pourriez-"
    "vous nous en dire un peu plus, par exemple quelle commande ou quelle partie de "
    "l'appli ? Nous pourrons alors arranger cela.",
}
CALM: T = {
    "en": "I'm sorry you are unhappy with us, and thank you for the feedback. If you tell us "
    "what went wrong, we will do our best to fix it.",
    "ru": "нам жаль, что вы недовольны, и спасибо за отзыв. Если вы напишете, что именно "
    "пошло не так, мы постараемся это исправить.",
    "es": "sentimos que no estés contento con nosotros y gracias por tu opinión. Si nos "
    "cuentas qué salió mal, haremos lo posible por solucionarlo.",
    "el": "λυπούμαστε που δεν είστε ικανοποιημένοι και σας ευχαριστούμε για τη γνώμη σας. "
    "Αν μας πείτε τι πήγε στραβά, θα κάνουμε ό,τι μπορούμε να το διορθώσουμε.",
    "de": "es tut uns leid, dass Sie unzufrieden sind, und danke für Ihre Rückmeldung. "
    "Wenn Sie uns sagen, was schiefgelaufen ist, werden wir es beheben.",
    "fr": "nous sommes désolés que vous soyez mécontent et merci pour votre retour. Si vous "
    "nous dites ce qui n'a pas marché, nous allons faire de notre mieux pour corriger "
    "cela.",
}
PRAISE: T = {
    "en": "thank you so much for the kind words! It means a lot to the whole team.",
    "ru": "спасибо большое за тёплые слова! Для всей команды это очень важно.",
    "es": "¡muchas gracias por tus palabras! Significan mucho para todo el equipo.",
    "el": "σας ευχαριστούμε πολύ για τα καλά σας λόγια! Σημαίνουν πολλά για όλη την ομάδα.",
    "de": "vielen Dank für die freundlichen Worte! Das bedeutet dem ganzen Team viel.",
    "fr": "merci beaucoup pour ce gentil message ! Cela compte beaucoup pour toute l'équipe.",
}
FOLLOWUP: T = {
    "en": "as promised, here is an update: “{what}” is done. Thank you again for your "
    "patience and for telling us. Could you check that everything works for you now?",
    "ru": "как и обещали, возвращаемся с новостями: «{what}» — сделано. Спасибо ещё раз за "
    "терпение и за ваш отзыв. Проверьте, пожалуйста, всё ли теперь работает?",
    "es": "como prometimos, te contamos: «{what}» ya está hecho. Gracias de nuevo por tu "
    "paciencia y por escribirnos. ¿Podrías comprobar si ahora todo funciona bien?",
    "el": "όπως υποσχεθήκαμε, σας ενημερώνουμε: «{what}» έγινε. Σας ευχαριστούμε ξανά για "
    "την υπομονή σας. Μπορείτε να ελέγξετε αν όλα λειτουργούν τώρα;",
    "de": "wie versprochen ein Update: „{what}“ ist erledigt. Nochmals danke für Ihre "
    "Geduld und Ihre Nachricht. Könnten Sie prüfen, ob jetzt alles funktioniert?",
    "fr": "comme promis, voici des nouvelles : « {what} » est fait. Merci encore pour votre "
    "patience. Pourriez-vous vérifier que tout fonctionne maintenant ?",
}
LANGS = tuple(PRAISE)


@dataclass(frozen=True)
class Composed:
    text: str
    language: str
    version: str = "offline-composer v1"


def language_for(review: Review, default: str = "en") -> str:
    lang = (review.language or "").split("-")[0]
    return lang if lang in LANGS else (default if default in LANGS else "en")


def first_name(author: str) -> str:
    """A greeting name when the author looks like a person (not a handle or a site)."""
    name = author.strip()
    word = r"[^\W\d_][^\W\d_'-]*"
    if len(name) > 40 or not re.fullmatch(rf"{word}(?: {word}\.?)*", name) or not name[0].isupper():
        return ""
    return name.split()[0]


def quote_from(review: Review, width: int = 70) -> str:
    """The reviewer's own words for the problem, if a clean sentence can be found."""
    candidates = [review.title, *re.split(r"(?<=[.!?])\s+|\n", review.body)]
    for raw in candidates:
        text = " ".join(visible_controls(raw or "").split())
        if (
            len(text) < 8
            or MARKUP.search(raw or "")
            or INSTRUCTION.search(text)
            or any(ch in text for ch in '[]<>{}␛"«»“”„')
        ):
            continue
        if len(text) > width:
            text = text[:width].rsplit(" ", 1)[0] + "…"
        return text.rstrip(".!?")
    return ""


def known_issue_for(review: Review, issues: list[KnownIssue]) -> KnownIssue | None:
    text = fold(review.text)
    best, hits = None, 1
    for issue in issues:
        n = sum(1 for k in issue.keywords if fold(k) and fold(k) in text)
        if n > hits:
            best, hits = issue, n
    return best


def compose(
    review: Review,
    label: str,
    *,
    catalogue: list[str],
    issues: list[KnownIssue],
    default_language: str = "en",
    signature: str = "",
    provocation_line: bool = False,
    limit: ReplyLimit | None = None,
) -> Composed | None:
    """A draft for ``label``; None for provocation unless a calm line is wanted. Within a
    platform limit, the quote, then the bonus, then the long opening give way."""
    lang = language_for(review, default_language)
    name = first_name(review.author)
    hello = HELLO[lang].format(name=name) if name else ""

    def cap(text: str) -> str:
        return text[:1].upper() + text[1:] if not hello else text

    if label == "praise":
        body = hello + PRAISE[lang] if hello else cap(PRAISE[lang])
    elif label == "vague":
        body = hello + VAGUE[lang] if hello else cap(VAGUE[lang])
    elif label == "provocation":
        if not provocation_line:
            return None
        body = hello + CALM[lang] if hello else cap(CALM[lang])
    else:
        quote = quote_from(review)
        issue = known_issue_for(review, issues)
        if issue and issue.status == "fixed" and issue.fixed_in:
            known = FIXED[lang].format(version=issue.fixed_in)
        else:
            known = FIXING[lang] if issue else LOOKING[lang]
        bonus = BONUS[lang].format(bonus=catalogue[0]) if catalogue else ""
        opening = ISSUE[lang].format(quote=quote) if quote else ISSUE_NOQUOTE[lang]
        variants = [
            opening + known + bonus,
            ISSUE_NOQUOTE[lang] + known + bonus,
            ISSUE_NOQUOTE[lang] + known,
            SHORT[lang] + known,
            SHORT[lang],
        ]
        sign = f"\n{signature}" if signature else ""
        for middle in variants:
            body = (hello + middle if hello else cap(middle)) + ASK_DETAILS[lang]
            if limit is None or limit.measure(body + sign) <= limit.size:
                break
    if signature:
        body += f"\n{signature}"
    return Composed(body.strip(), lang)


def compose_followup(
    review: Review, what: str, default_language: str = "en", signature: str = ""
) -> Composed:
    lang = language_for(review, default_language)
    name = first_name(review.author)
    what = " ".join(visible_controls(what).split())
    text = FOLLOWUP[lang].format(what=what)
    text = f"{name}, {text}" if name else text[:1].upper() + text[1:]
    if signature:
        text += f"\n{signature}"
    return Composed(text, lang, "offline-followup v1")
