package io.remotellm.st.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads an XML property list as launchd does, on machines without {@code plutil}: the file is
 * validated against Apple's plist DTD (a copy in the test resources, so nothing is fetched), then
 * turned into Java values: dict → Map, array → List, string → String, integer → Long, true/false →
 * Boolean, real → Double. Anything a plist may not contain (a dict key twice, an integer that is
 * not one, a value without a key) fails with the reason.
 */
final class Plist {
  private Plist() {}

  static final String PUBLIC_ID = "-//Apple//DTD PLIST 1.0//EN";

  static Map<String, Object> read(Path file) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setValidating(true);
      factory.setNamespaceAware(false);
      factory.setIgnoringElementContentWhitespace(true);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setEntityResolver(
          (publicId, systemId) -> {
            if (!PUBLIC_ID.equals(publicId)) {
              throw new SAXException("not Apple's plist DTD: " + publicId + " " + systemId);
            }
            InputStream dtd = Plist.class.getResourceAsStream("/deploy/PropertyList-1.0.dtd");
            if (dtd == null) {
              throw new SAXException("test resource deploy/PropertyList-1.0.dtd is missing");
            }
            return new InputSource(dtd);
          });
      builder.setErrorHandler(
          new ErrorHandler() {
            @Override
            public void warning(SAXParseException e) {
              // Warnings (e.g. about the DTD's comments) say nothing about the plist.
            }

            @Override
            public void error(SAXParseException e) throws SAXException {
              throw e;
            }

            @Override
            public void fatalError(SAXParseException e) throws SAXException {
              throw e;
            }
          });
      Document document = builder.parse(file.toFile());
      if (document.getDoctype() == null || !PUBLIC_ID.equals(document.getDoctype().getPublicId())) {
        throw new AssertionError(file + ": no <!DOCTYPE plist PUBLIC \"" + PUBLIC_ID + "\" ...>");
      }
      Element plist = document.getDocumentElement();
      if (!"plist".equals(plist.getTagName()) || !"1.0".equals(plist.getAttribute("version"))) {
        throw new AssertionError(file + ": the root is not <plist version=\"1.0\">");
      }
      List<Element> top = children(plist);
      if (top.size() != 1 || !"dict".equals(top.get(0).getTagName())) {
        throw new AssertionError(file + ": a launchd plist holds exactly one top-level <dict>");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> dict = (Map<String, Object>) value(top.get(0));
      return dict;
    } catch (SAXParseException e) {
      throw new AssertionError(
          file + ":" + e.getLineNumber() + ": not a valid plist: " + e.getMessage(), e);
    } catch (SAXException | IOException | ParserConfigurationException e) {
      throw new AssertionError(file + ": not a valid plist: " + e.getMessage(), e);
    }
  }

  private static Object value(Element element) {
    String text = element.getTextContent();
    return switch (element.getTagName()) {
      case "dict" -> {
        Map<String, Object> map = new LinkedHashMap<>();
        List<Element> entries = children(element);
        for (int i = 0; i < entries.size(); i += 2) {
          String key = entries.get(i).getTextContent();
          if (map.containsKey(key)) {
            throw new AssertionError("key " + key + " appears twice in one <dict>");
          }
          map.put(key, value(entries.get(i + 1)));
        }
        yield map;
      }
      case "array" -> {
        List<Object> list = new ArrayList<>();
        for (Element child : children(element)) {
          list.add(value(child));
        }
        yield list;
      }
      case "string" -> text;
      case "integer" -> {
        if (!text.matches("[+-]?[0-9]+")) {
          throw new AssertionError("<integer>" + text + "</integer> is not an integer");
        }
        yield Long.parseLong(text);
      }
      case "real" -> Double.parseDouble(text);
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      case "date", "data" -> text;
      default -> throw new AssertionError("<" + element.getTagName() + "> is not a plist type");
    };
  }

  private static List<Element> children(Element element) {
    List<Element> result = new ArrayList<>();
    for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element child) {
        result.add(child);
      }
    }
    return result;
  }
}
